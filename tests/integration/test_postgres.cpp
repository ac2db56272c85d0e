#include "test_postgres.h"

#include <libpq-fe.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <random>
#include <stdexcept>

namespace missive::itest {
namespace {

using Connection = std::unique_ptr<PGconn, decltype(&PQfinish)>;
using ResultPtr = std::unique_ptr<PGresult, decltype(&PQclear)>;

Connection connect(const std::string& url) {
  Connection conn(PQconnectdb(url.c_str()), &PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    throw std::runtime_error("cannot connect to " + url + ": " + PQerrorMessage(conn.get()));
  }
  // Quiet: DROP SCHEMA ... CASCADE lists every table as a notice.
  PQsetNoticeProcessor(conn.get(), [](void*, const char*) {}, nullptr);
  return conn;
}

ResultPtr run(PGconn* conn, const std::string& sql) {
  ResultPtr result(PQexec(conn, sql.c_str()), &PQclear);
  const auto status = PQresultStatus(result.get());
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    throw std::runtime_error("\"" + sql + "\" failed: " + PQerrorMessage(conn));
  }
  return result;
}

}  // namespace

bool on_postgres() {
  const char* store = std::getenv("MISSIVE_TEST_STORE");
  return store != nullptr && std::string(store) == "postgres";
}

std::string postgres_url() {
  if (const char* url = std::getenv("MISSIVE_TEST_PG"); url != nullptr && *url != '\0') return url;
  if (const char* file = std::getenv("MISSIVE_TEST_PG_FILE"); file != nullptr) {
    std::ifstream in(file);
    std::string url;
    if (std::getline(in, url) && !url.empty()) return url;
    throw std::runtime_error(std::string("no PostgreSQL URL in ") + file +
                             " (is the CTest fixture `postgres` running?)");
  }
  throw std::runtime_error("set MISSIVE_TEST_PG or MISSIVE_TEST_PG_FILE for the PostgreSQL run");
}

void postgres_exec(const std::string& url, const std::string& sql) {
  Connection conn = connect(url);
  run(conn.get(), sql);
}

std::string postgres_value(const std::string& url, const std::string& sql) {
  Connection conn = connect(url);
  ResultPtr result = run(conn.get(), sql);
  if (PQntuples(result.get()) == 0 || PQgetisnull(result.get(), 0, 0)) return {};
  return PQgetvalue(result.get(), 0, 0);
}

TestSchema::TestSchema(std::string base_url) : base_url_(std::move(base_url)) {
  static std::atomic<int> counter{0};
  std::random_device random;
  name_ = "itest_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "_" +
          std::to_string(random() % 100000);
  postgres_exec(base_url_, "CREATE SCHEMA " + name_);
  url_ = base_url_ + (base_url_.find('?') == std::string::npos ? "?" : "&") +
         "options=-csearch_path%3D" + name_;
}

TestSchema::~TestSchema() {
  try {
    postgres_exec(base_url_, "DROP SCHEMA IF EXISTS " + name_ + " CASCADE");
  } catch (const std::exception&) {
    // The database may be gone already (the fixture stopped it); nothing to clean then.
  }
}

}  // namespace missive::itest
