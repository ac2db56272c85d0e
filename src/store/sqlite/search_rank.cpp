#include "store/sqlite/search_rank.h"

#include <sqlite3.h>

#include <charconv>
#include <vector>

namespace missive::sqlite {
namespace {

constexpr double kK1 = 1.2;
constexpr double kB = 0.75;
constexpr double kColumnWeight[] = {3.0, 1.0, 0.5};  // subject, body, tails

std::vector<double> parse_idfs(const char* text, int size) {
  std::vector<double> idfs;
  const char* p = text;
  const char* end = text + size;
  while (p < end) {
    while (p < end && *p == ' ') ++p;
    if (p == end) break;
    double value = 0;
    auto [next, ec] = std::from_chars(p, end, value);
    if (ec != std::errc()) break;
    idfs.push_back(value);
    p = next;
  }
  return idfs;
}

void rank(const Fts5ExtensionApi* api, Fts5Context* fts, sqlite3_context* ctx, int argc,
          sqlite3_value** argv) {
  const int phrases = api->xPhraseCount(fts);
  std::vector<double> idfs;
  if (argc >= 1 && sqlite3_value_type(argv[0]) == SQLITE_TEXT) {
    idfs = parse_idfs(reinterpret_cast<const char*>(sqlite3_value_text(argv[0])),
                      sqlite3_value_bytes(argv[0]));
  }
  idfs.resize(static_cast<std::size_t>(phrases), 1.0);

  sqlite3_int64 rows = 0;
  sqlite3_int64 total_tokens = 0;
  int doc_tokens = 0;
  int instances = 0;
  int rc = api->xRowCount(fts, &rows);
  if (rc == SQLITE_OK) rc = api->xColumnTotalSize(fts, -1, &total_tokens);
  if (rc == SQLITE_OK) rc = api->xColumnSize(fts, -1, &doc_tokens);
  if (rc == SQLITE_OK) rc = api->xInstCount(fts, &instances);
  std::vector<double> frequency(static_cast<std::size_t>(phrases), 0.0);
  for (int i = 0; rc == SQLITE_OK && i < instances; ++i) {
    int phrase = 0, column = 0, offset = 0;
    rc = api->xInst(fts, i, &phrase, &column, &offset);
    if (rc == SQLITE_OK && phrase >= 0 && phrase < phrases && column >= 0 && column < 3) {
      frequency[static_cast<std::size_t>(phrase)] += kColumnWeight[column];
    }
  }
  if (rc != SQLITE_OK) {
    sqlite3_result_error_code(ctx, rc);
    return;
  }
  const double average = rows > 0 ? static_cast<double>(total_tokens) / static_cast<double>(rows) : 1.0;
  const double norm = kK1 * (1 - kB + kB * static_cast<double>(doc_tokens) / (average > 0 ? average : 1.0));
  double score = 0;
  for (std::size_t p = 0; p < frequency.size(); ++p) {
    const double tf = frequency[p];
    score += idfs[p] * (tf * (kK1 + 1)) / (tf + norm);
  }
  sqlite3_result_double(ctx, -score);
}

}  // namespace

Status register_search_rank(Db& db) {
  fts5_api* api = nullptr;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db.handle(), "SELECT fts5(?1)", -1, &stmt, nullptr) != SQLITE_OK) {
    return fail(ErrorCode::unavailable, "this SQLite has no FTS5, which search needs");
  }
  sqlite3_bind_pointer(stmt, 1, reinterpret_cast<void*>(&api), "fts5_api_ptr", nullptr);
  sqlite3_step(stmt);
  sqlite3_finalize(stmt);
  if (api == nullptr || api->iVersion < 2) {
    return fail(ErrorCode::unavailable, "this SQLite has no FTS5, which search needs");
  }
  if (api->xCreateFunction(api, "missive_rank", nullptr, rank, nullptr) != SQLITE_OK) {
    return fail(ErrorCode::unavailable, "cannot register the search rank function");
  }
  return {};
}

}  // namespace missive::sqlite
