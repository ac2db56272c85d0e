#pragma once
// The integration suite on PostgreSQL: with MISSIVE_TEST_STORE=postgres every test server
// keeps its data in a fresh schema of the test PostgreSQL (the CTest fixture `postgres`,
// whose URL is in the file named by MISSIVE_TEST_PG_FILE, or in MISSIVE_TEST_PG).
//
// Thread-safety: the functions may be called from any thread.

#include <string>

namespace missive::itest {

// Whether this run puts the servers on PostgreSQL.
bool on_postgres();
// The test PostgreSQL's URL; throws std::runtime_error when none is configured.
std::string postgres_url();
// Runs `sql` (statements without results) on `url`; throws std::runtime_error on failure.
void postgres_exec(const std::string& url, const std::string& sql);
// The first column of the first row of `sql` on `url` as text ("" for none or NULL).
std::string postgres_value(const std::string& url, const std::string& sql);

// A new, empty schema in the database at `base_url`; url() connects with it first on the
// search_path (where the store puts its tables). Dropped, with everything in it, on
// destruction.
class TestSchema {
 public:
  explicit TestSchema(std::string base_url);
  ~TestSchema();
  TestSchema(const TestSchema&) = delete;
  TestSchema& operator=(const TestSchema&) = delete;
  const std::string& url() const { return url_; }
  const std::string& name() const { return name_; }

 private:
  std::string base_url_;
  std::string name_;
  std::string url_;
};

}  // namespace missive::itest
