// The search query language (src/core/search_query.h) and its FTS5 compilation
// (src/store/sqlite/search_text.h). Properties:
//  - a refusal is invalid with a message starting "search query: ";
//  - an accepted query's canonical rendering (describe) parses to the same rendering;
//  - its MATCH expression, and each phrase's, is accepted by SQLite's FTS5 (with the store's
//    table definition): a query a user types can never make the search fail in the store;
//  - any valid UTF-8 text can be indexed as a message would be.
#include <sqlite3.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/search_query.h"
#include "core/utf8.h"
#include "fuzz_check.h"
#include "store/sqlite/search_text.h"

namespace {

using namespace missive;

// An in-memory FTS5 table defined as in store/sqlite/migrations.cpp, holding a few messages.
class FtsTable {
 public:
  FtsTable() {
    FUZZ_CHECK(sqlite3_open(":memory:", &db_) == SQLITE_OK, "sqlite3_open");
    exec("CREATE VIRTUAL TABLE message_fts USING fts5(subject, body, tails, content = '', "
         "tokenize = 'unicode61 remove_diacritics 2')");
    const char* texts[] = {"deploy friday", "release notes: deliver the délivery",
                           "项目交付 今天", "backup OR restore (db) \"quoted\" * ^ NEAR"};
    sqlite3_int64 rowid = 1;
    for (const char* text : texts) insert(rowid++, text);
  }
  ~FtsTable() { sqlite3_close(db_); }

  void exec(const char* sql) {
    char* message = nullptr;
    const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &message);
    const std::string detail = std::string(sql) + ": " + (message ? message : "");
    sqlite3_free(message);
    FUZZ_CHECK(rc == SQLITE_OK, detail);
  }

  // Indexes `text` as a message subject and body would be.
  void insert(sqlite3_int64 rowid, std::string_view text) {
    const std::string indexed = sqlite::index_text(text);
    const std::string tails = sqlite::index_tails(text);
    sqlite3_stmt* stmt = nullptr;
    FUZZ_CHECK(sqlite3_prepare_v2(db_,
                                  "INSERT INTO message_fts(rowid, subject, body, tails) "
                                  "VALUES (?1, ?2, ?2, ?3)",
                                  -1, &stmt, nullptr) == SQLITE_OK,
               sqlite3_errmsg(db_));
    sqlite3_bind_int64(stmt, 1, rowid);
    sqlite3_bind_text(stmt, 2, indexed.data(), static_cast<int>(indexed.size()), SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, tails.data(), static_cast<int>(tails.size()), SQLITE_STATIC);
    const int rc = sqlite3_step(stmt);
    sqlite3_finalize(stmt);
    FUZZ_CHECK(rc == SQLITE_DONE, std::string(sqlite3_errmsg(db_)) + " indexing " + indexed);
  }

  // Runs `match` to the end; every row or none is fine, an error is not.
  void match(const std::string& expression, std::string_view query) {
    sqlite3_stmt* stmt = nullptr;
    FUZZ_CHECK(sqlite3_prepare_v2(db_, "SELECT rowid FROM message_fts WHERE message_fts MATCH ?1",
                                  -1, &stmt, nullptr) == SQLITE_OK,
               sqlite3_errmsg(db_));
    sqlite3_bind_text(stmt, 1, expression.data(), static_cast<int>(expression.size()),
                      SQLITE_STATIC);
    int rc = SQLITE_ROW;
    while (rc == SQLITE_ROW) rc = sqlite3_step(stmt);
    const std::string detail = std::string(sqlite3_errmsg(db_)) + ": query " + std::string(query) +
                               " -> MATCH " + expression;
    sqlite3_finalize(stmt);
    FUZZ_CHECK(rc == SQLITE_DONE, detail);
  }

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static FtsTable table;
  const auto text = missive::fuzz::as_text(data, size);

  if (detail::utf8_error_offset(text) == std::string_view::npos) {
    table.exec("SAVEPOINT indexing");
    table.insert(100, text);
    table.exec("ROLLBACK TO indexing");
    table.exec("RELEASE indexing");
  }

  const auto query = SearchQuery::parse(text);
  if (!query) {
    FUZZ_CHECK(query.error().code == ErrorCode::invalid, query.error().message);
    FUZZ_CHECK(query.error().message.starts_with("search query: "), query.error().message);
    return 0;
  }
  const std::string described = query->describe();
  const auto again = SearchQuery::parse(described);
  // describe() brackets every operator, so a long chain (a NOT b NOT c ...) can describe
  // itself deeper than the parser accepts: the round trip holds within the limits only.
  const bool too_deep =
      !again && again.error().message.find("nested parentheses") != std::string::npos;
  FUZZ_CHECK(too_deep || (again.has_value() && again->describe() == described),
             std::string(text) + " -> " + described + " -> " +
                 (again ? again->describe() : again.error().message));
  (void)query->positive_terms();

  table.match(sqlite::fts5_match(query->root()), text);
  for (const auto& phrase : sqlite::fts5_phrases(query->root())) {
    if (!phrase.empty()) table.match(phrase, text);
  }
  return 0;
}
