#include "store/postgres/pg.h"

#include <libpq-fe.h>

#include <cstdlib>
#include <utility>

#include <fmt/format.h>

namespace missive::postgres {
namespace {

std::string trimmed(const char* text) {
  std::string s = text != nullptr ? text : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

bool connection_state(std::string_view sqlstate) {
  return sqlstate.starts_with("08") || sqlstate == "57P01" || sqlstate == "57P02" ||
         sqlstate == "57P03";
}

}  // namespace

// --- Rows ---

Rows::Rows(pg_result* result) : result_(result) {}
Rows::~Rows() {
  if (result_ != nullptr) PQclear(result_);
}
Rows::Rows(Rows&& other) noexcept : result_(std::exchange(other.result_, nullptr)) {}
Rows& Rows::operator=(Rows&& other) noexcept {
  if (this != &other) {
    if (result_ != nullptr) PQclear(result_);
    result_ = std::exchange(other.result_, nullptr);
  }
  return *this;
}

int Rows::size() const { return result_ != nullptr ? PQntuples(result_) : 0; }

std::int64_t Rows::affected() const {
  if (result_ == nullptr) return 0;
  const char* tuples = PQcmdTuples(result_);
  return tuples != nullptr && *tuples != '\0' ? std::strtoll(tuples, nullptr, 10) : 0;
}

bool Rows::null(int row, int col) const { return PQgetisnull(result_, row, col) != 0; }

std::string_view Rows::text(int row, int col) const {
  return {PQgetvalue(result_, row, col),
          static_cast<std::size_t>(PQgetlength(result_, row, col))};
}

std::int64_t Rows::int64(int row, int col) const {
  std::string_view t = text(row, col);
  std::int64_t v = 0;
  std::from_chars(t.data(), t.data() + t.size(), v);
  return v;
}

double Rows::real(int row, int col) const {
  return std::strtod(PQgetvalue(result_, row, col), nullptr);
}

bool Rows::boolean(int row, int col) const {
  std::string_view t = text(row, col);
  return !t.empty() && (t[0] == 't' || t[0] == '1');
}

std::optional<std::string> Rows::opt_text(int row, int col) const {
  if (null(row, col)) return std::nullopt;
  return std::string(text(row, col));
}

std::optional<std::int64_t> Rows::opt_int64(int row, int col) const {
  if (null(row, col)) return std::nullopt;
  return int64(row, col);
}

// --- Params ---

Params& Params::add(double v) { return add_text(fmt::format("{}", v)); }

std::vector<const char*> Params::pointers() const {
  std::vector<const char*> out;
  out.reserve(values_.size());
  for (const auto& v : values_) out.push_back(v ? v->c_str() : nullptr);
  return out;
}

Params& Params::add(const std::vector<std::int64_t>& v) {
  std::string text = "{";
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i > 0) text += ',';
    text += std::to_string(v[i]);
  }
  text += '}';
  return add_text(std::move(text));
}

Params& Params::add(const std::vector<std::string>& v) {
  std::string text = "{";
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i > 0) text += ',';
    text += '"';
    for (char c : v[i]) {
      if (c == '"' || c == '\\') text += '\\';
      text += c == '\0' ? ' ' : c;
    }
    text += '"';
  }
  text += '}';
  return add_text(std::move(text));
}

// --- Conn ---

Result<std::unique_ptr<Conn>> Conn::open(const std::string& url) {
  PGconn* conn = PQconnectdb(url.c_str());
  if (conn == nullptr) return fail(ErrorCode::unavailable, "the database is unavailable: out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string message = trimmed(PQerrorMessage(conn));
    PQfinish(conn);
    return fail(ErrorCode::unavailable, fmt::format("the database is unavailable: {}", message));
  }
  // Server messages (NOTICE) are not ours to print.
  PQsetNoticeProcessor(conn, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<Conn>(new Conn(conn));
}

Conn::~Conn() { PQfinish(conn_); }

bool Conn::broken() const { return PQstatus(conn_) != CONNECTION_OK; }

bool Conn::retryable() const { return last_sqlstate_ == "40001" || last_sqlstate_ == "40P01"; }

bool Conn::in_transaction() const { return PQtransactionStatus(conn_) != PQTRANS_IDLE; }

Result<Rows> Conn::check(PGresult* result, std::string_view sql) {
  ExecStatusType status = result != nullptr ? PQresultStatus(result) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) {
    last_sqlstate_.clear();
    return Rows(result);
  }
  Rows owned(result);  // freed on return
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  last_sqlstate_ = state != nullptr ? state : "";
  std::string message = trimmed(result != nullptr ? PQresultErrorMessage(result) : nullptr);
  if (message.empty()) message = trimmed(PQerrorMessage(conn_));
  if (last_sqlstate_ == "23505") {
    return fail(ErrorCode::conflict, fmt::format("already exists ({})", message));
  }
  if (last_sqlstate_ == "23503") {
    return fail(ErrorCode::not_found, "a referenced user, group or message does not exist");
  }
  if (broken() || connection_state(last_sqlstate_)) {
    return fail(ErrorCode::unavailable, fmt::format("the database is unavailable: {}", message));
  }
  std::string_view context = sql.substr(0, 120);
  return fail(ErrorCode::unavailable,
              fmt::format("database error: {} [{}] (in: {})", message, last_sqlstate_, context));
}

Result<Rows> Conn::exec(std::string_view sql, const Params& params) {
  std::string key(sql);
  auto found = prepared_.find(key);
  if (found == prepared_.end()) {
    std::string name = fmt::format("s{}", prepared_.size());
    MISSIVE_TRY(Rows prepared,
                check(PQprepare(conn_, name.c_str(), key.c_str(), 0, nullptr), sql));
    found = prepared_.emplace(std::move(key), std::move(name)).first;
  }
  std::vector<const char*> values = params.pointers();
  return check(PQexecPrepared(conn_, found->second.c_str(), params.size(), values.data(),
                              nullptr, nullptr, 0),
               sql);
}

Status Conn::run(std::string_view sql) {
  std::string text(sql);
  MISSIVE_TRY(Rows rows, check(PQexec(conn_, text.c_str()), sql));
  return {};
}

}  // namespace missive::postgres
