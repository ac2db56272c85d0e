// Search benchmark (release build; not part of `make test`):
//   1. the cost of indexing on the send path: Store::send_message throughput on two fresh
//      stores in the same run, one with the FTS5 index and one where the index insert is a
//      no-op;
//   2. a generated corpus (default 1,000,000 messages, 10,000 users) written with
//      sqlite::bulk_load (the send path would take too long here; the rows and index entries
//      are the same);
//   2b. the index merged as the server keeps it (Store::maintain_search_index until no work);
//   3. Store::search latency p50/p99 (relevance, 20 hits, random users) for a common word, a
//      rare word, a phrase and a CJK substring.
// With --export DIR it also writes the corpus and the queries as TSV for
// bench/search_vs_postgres.sh, which runs the same queries on PostgreSQL.
//
// Usage: search_bench [--messages N] [--users N] [--queries N] [--send-sample N]
//                     [--dir DIR] [--export DIR] [--keep 1] [--reuse 1]
//                     [--dump FILE] [--only "rare word"] [--cpu-time 1]
// --dump FILE writes the results of the queries (several pages, both orders, the cursors) to
// compare two builds. --reuse 1 times the queries on the corpus an earlier run left in --dir
// with --keep 1 (no send-path measurement, no load, no merge): for iterating on the plans.
// --cpu-time 1 times each query by the CPU time of the thread that runs it (the store answers
// on the caller's thread), which other processes on a busy machine disturb less than the
// wall clock; the figures in docs/search.md are wall-clock times.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "search_corpus.h"
#include "store/sqlite/sqlite_db.h"
#include "store/sqlite/sqlite_store.h"

namespace missive::bench {
namespace {

struct Args {
  std::int64_t messages = 1'000'000;
  int users = 10'000;
  int queries = 300;
  std::int64_t send_sample = 20'000;
  std::filesystem::path dir;
  std::filesystem::path export_dir;
  bool keep = false;   // leave the databases in --dir
  bool reuse = false;  // query the corpus already in --dir
  std::filesystem::path dump;  // write the results of the queries here
  std::string only;            // time only the query with this name
  bool cpu_time = false;       // time queries by the thread's CPU time, not the wall clock
};

Args parse(int argc, char** argv) {
  Args a;
  a.dir = std::filesystem::temp_directory_path() / ("missive-search-bench-" + std::to_string(std::random_device{}()));
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const char* v = argv[i + 1];
    if (k == "--messages") a.messages = std::atoll(v);
    else if (k == "--users") a.users = std::atoi(v);
    else if (k == "--queries") a.queries = std::atoi(v);
    else if (k == "--send-sample") a.send_sample = std::atoll(v);
    else if (k == "--dir") a.dir = v;
    else if (k == "--export") a.export_dir = v;
    else if (k == "--keep") a.keep = std::string(v) == "1";
    else if (k == "--reuse") a.reuse = std::string(v) == "1";
    else if (k == "--dump") a.dump = v;
    else if (k == "--only") a.only = v;
    else if (k == "--cpu-time") a.cpu_time = std::string(v) == "1";
    else {
      std::fprintf(stderr, "unknown option %s\n", k.c_str());
      std::exit(2);
    }
  }
  return a;
}

std::unique_ptr<Store> open(const std::filesystem::path& path, bool sync = true) {
  auto store = open_sqlite_store(SqliteOptions{.path = path.string(), .sync_commits = sync});
  if (!store) {
    std::fprintf(stderr, "open %s: %s\n", path.c_str(), store.error().message.c_str());
    std::exit(1);
  }
  return std::move(*store);
}

// Replaces the index with a view whose inserts do nothing: the same statements run, nothing
// is indexed. Only for measuring what the index costs.
void drop_index(const std::filesystem::path& path) {
  open(path).reset();  // create and migrate
  auto db = sqlite::Db::open(path.string(), sqlite::OpenMode::read_write_create);
  if (!db) std::exit(1);
  auto done = (*db)->exec(
      "DROP TABLE message_fts;"
      "CREATE VIEW message_fts (rowid, subject, body, tails) AS SELECT 0, '', '', '' WHERE 0;"
      "CREATE TRIGGER message_fts_noop INSTEAD OF INSERT ON message_fts BEGIN SELECT 1; END;");
  if (!done) {
    std::fprintf(stderr, "drop index: %s\n", done.error().message.c_str());
    std::exit(1);
  }
}

double send_rate(const std::filesystem::path& path, std::int64_t messages, bool indexed, bool sync) {
  std::filesystem::remove_all(path.parent_path());
  std::filesystem::create_directories(path.parent_path());
  if (!indexed) drop_index(path);
  auto store = open(path, sync);
  Corpus corpus(CorpusOptions{.messages = messages, .users = 2'000, .groups = 100, .threads = 16});
  corpus.setup(*store);
  return corpus.send_all(*store);
}

// What the server's sync worker merges per step (SyncWorkerOptions::merge_pages).
constexpr int kMergePages = 64;

// The segments of the FTS5 index: every segment has rows in message_fts_idx.
std::int64_t fts_segments(const std::filesystem::path& path) {
  auto db = sqlite::Db::open(path.string(), sqlite::OpenMode::read_only);
  if (!db) std::exit(1);
  auto stmt = (*db)->prepare("SELECT count(DISTINCT segid) FROM message_fts_idx");
  if (!stmt || !stmt->step().value_or(false)) std::exit(1);
  return stmt->int64(0);
}

struct Latency {
  double p50_ms = 0, p99_ms = 0, mean_hits = 0;
};

// Milliseconds on the wall clock, or of this thread's CPU time.
double now_ms(bool cpu_time) {
  if (cpu_time) {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
  }
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

Latency measure(Store& store, const std::vector<UserId>& users, std::string_view text, int queries,
                bool cpu_time = false) {
  auto parsed = SearchQuery::parse(text);
  if (!parsed) std::exit(1);
  std::vector<double> ms;
  std::int64_t hits = 0;
  for (int i = 0; i < queries; ++i) {
    MessageSearch s{.user = users[static_cast<std::size_t>(i) % users.size()],
                    .match = parsed->root(), .limit = 20, .now = 1'800'000'000'000};
    const double t0 = now_ms(cpu_time);
    auto page = store.search(s);
    ms.push_back(now_ms(cpu_time) - t0);
    if (!page) {
      std::fprintf(stderr, "search: %s\n", page.error().message.c_str());
      std::exit(1);
    }
    hits += static_cast<std::int64_t>(page->hits.size());
  }
  std::sort(ms.begin(), ms.end());
  auto at = [&](double q) { return ms[std::min(ms.size() - 1, static_cast<std::size_t>(q * ms.size()))]; };
  return Latency{at(0.50), at(0.99), static_cast<double>(hits) / queries};
}

struct Query {
  const char* name;
  std::string text;
  std::string tsquery;
};

std::vector<Query> bench_queries() {
  return {{"common word", kCommonWord, kCommonWord},
          {"rare word", kRareWord, kRareWord},
          {"phrase", std::string("\"") + kPhrase + "\"", "release <-> notes"},
          {"CJK substring", kCjkTerm, kCjkTerm}};
}

// The users the queries run for: 100 drawn from the corpus's users.
std::vector<UserId> query_users(const std::vector<UserId>& all) {
  std::mt19937_64 rng(7);
  std::vector<UserId> users;
  for (int i = 0; i < 100; ++i) users.push_back(all[rng() % all.size()]);
  return users;
}

// The corpus's users as an earlier run created them (Corpus::setup creates them first, in
// order), for --reuse.
std::vector<UserId> stored_users(const std::filesystem::path& path) {
  auto db = sqlite::Db::open(path.string(), sqlite::OpenMode::read_only);
  if (!db) std::exit(1);
  auto stmt = (*db)->prepare("SELECT id FROM user ORDER BY id");
  if (!stmt) std::exit(1);
  std::vector<UserId> users;
  while (stmt->step().value_or(false)) users.push_back(UserId(stmt->int64(0)));
  return users;
}

// With --dump FILE: for every query and user, the ids and scores of the first pages in both
// orders and the cursors between them, so that two builds can be compared for identical
// results (diff the files).
void dump_results(Store& store, const std::vector<UserId>& users, const std::filesystem::path& file) {
  std::ofstream out(file);
  out.precision(12);
  for (const Query& q : bench_queries()) {
    auto parsed = SearchQuery::parse(q.text);
    if (!parsed) std::exit(1);
    for (UserId u : users) {
      for (SearchSort sort : {SearchSort::relevance, SearchSort::date}) {
        MessageSearch s{.user = u, .match = parsed->root(), .limit = 20, .now = 1'800'000'000'000};
        s.sort = sort;
        out << q.name << " user " << u.value << (sort == SearchSort::date ? " date" : " relevance") << '\n';
        for (int page = 0; page < 4; ++page) {
          auto hits = store.search(s);
          if (!hits) {
            std::fprintf(stderr, "search: %s\n", hits.error().message.c_str());
            std::exit(1);
          }
          for (const SearchHit& h : hits->hits) out << ' ' << h.item.message.id.value << ':' << h.score;
          out << '\n';
          if (!hits->next) break;
          out << " next " << hits->next->upper.value << '.' << hits->next->offset << '\n';
          s.cursor = hits->next;
        }
      }
    }
  }
}

}  // namespace
}  // namespace missive::bench

int main(int argc, char** argv) {
  using namespace missive;
  using namespace missive::bench;
  const Args args = parse(argc, argv);
  std::filesystem::create_directories(args.dir);
  const std::filesystem::path corpus_db = args.dir / "corpus" / "missive.db";
  std::unique_ptr<Store> store;
  std::vector<UserId> users;

  if (args.reuse) {
    store = open(corpus_db);
    users = query_users(stored_users(corpus_db));
  } else {
    std::fprintf(stderr, "1. send throughput with and without the index (%lld sends each)\n",
                 static_cast<long long>(args.send_sample));
    // Synced commits (what the server does) are bounded by fsync; unsynced ones show the CPU
    // the index adds on the writer thread.
    double rates[2][2] = {};  // [synced][indexed]
    for (bool sync : {true, false}) {
      const std::int64_t sends = sync ? args.send_sample : args.send_sample * 5;
      for (bool indexed : {false, true}) {
        rates[sync][indexed] = send_rate(args.dir / (indexed ? "index" : "noindex") / "missive.db",
                                         sends, indexed, sync);
      }
    }

    std::fprintf(stderr, "2. loading %lld messages for %d users\n", static_cast<long long>(args.messages), args.users);
    store = open(corpus_db, false);
    Corpus corpus(CorpusOptions{.messages = args.messages, .users = args.users, .export_dir = args.export_dir});
    corpus.setup(*store);
    store.reset();
    const double load_rate = corpus.bulk_all(corpus_db);
    store = open(corpus_db);
    users = query_users(corpus.users());

    // The state the server keeps the index in: its sync worker runs small merge steps in the
    // background (SyncWorkerOptions::merge_pages) until FTS5 reports no work left.
    std::fprintf(stderr, "2b. merging the search index as the server does in the background\n");
    const std::int64_t segments_before = fts_segments(corpus_db);
    const auto merge_t0 = std::chrono::steady_clock::now();
    std::vector<double> step_ms;
    for (;;) {
      const auto t0 = std::chrono::steady_clock::now();
      auto more = store->maintain_search_index(kMergePages);
      step_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
      if (!more) {
        std::fprintf(stderr, "merge: %s\n", more.error().message.c_str());
        return 1;
      }
      if (!*more) break;
    }
    const double merge_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - merge_t0).count();
    std::sort(step_ms.begin(), step_ms.end());
    const std::int64_t segments_after = fts_segments(corpus_db);

    std::printf("send path (Store::send_message, 16 senders; %lld synced / %lld unsynced sends)\n",
                static_cast<long long>(args.send_sample), static_cast<long long>(args.send_sample * 5));
    for (bool sync : {true, false}) {
      std::printf("  %-9s without index %8.0f sends/s, with index %8.0f sends/s (%.2fx)\n",
                  sync ? "synced" : "unsynced", rates[sync][false], rates[sync][true],
                  rates[sync][true] / rates[sync][false]);
    }
    std::printf("corpus: %lld messages, %d users, bulk-loaded at %.0f messages/s\n",
                static_cast<long long>(args.messages), args.users, load_rate);
    std::printf("index merge (%d pages a step): %lld -> %lld segments, %zu steps in %.1f s, "
                "step p50 %.2f ms, p99 %.2f ms, max %.2f ms\n",
                kMergePages, static_cast<long long>(segments_before),
                static_cast<long long>(segments_after), step_ms.size(), merge_s,
                step_ms[step_ms.size() / 2], step_ms[std::min(step_ms.size() - 1, step_ms.size() * 99 / 100)],
                step_ms.back());
  }

  std::fprintf(stderr, "3. queries\n");
  if (!args.dump.empty()) dump_results(*store, users, args.dump);
  (void)measure(*store, users, kCommonWord, 50);  // warm the page cache
  std::printf("%-16s %10s %10s %10s\n", "query", "p50 ms", "p99 ms", "hits/query");
  std::ofstream out;
  if (!args.export_dir.empty()) out.open(args.export_dir / "queries.tsv");
  for (const Query& q : bench_queries()) {
    if (!args.only.empty() && args.only != q.name) continue;
    const Latency l = measure(*store, users, q.text, args.queries, args.cpu_time);
    std::printf("%-16s %10.3f %10.3f %10.1f\n", q.name, l.p50_ms, l.p99_ms, l.mean_hits);
    if (out.is_open()) {
      for (UserId u : users) out << q.name << '\t' << u.value << '\t' << q.tsquery << '\n';
    }
  }
  std::fflush(stdout);
  store.reset();
  if (args.keep || args.reuse) return 0;
  for (const char* sub : {"noindex", "index", "corpus"}) std::filesystem::remove_all(args.dir / sub);
  std::error_code ec;
  std::filesystem::remove(args.dir, ec);  // only when empty
  return 0;
}
