#pragma once
// The HTTP API (server::Api) over a real engine and SQLite store in a temporary directory,
// for the fuzz targets that drive whole requests: fuzz_api and fuzz_ws_frame. The store is
// seeded with an admin, two users (alice, bob), an explicit group, a rule group and a
// conversation between alice and bob, so that requests naming ids 1..3 reach real rows.
//
// Thread-safety: one fuzzing thread. Requests run on it; the store's own threads are internal.

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "engine/engine.h"
#include "server/api.h"
#include "store/store.h"

namespace missive::fuzz {

// Who sends a request.
enum class Caller { none, admin, alice, bob, bad_token };

class ApiHarness {
 public:
  ApiHarness();
  ~ApiHarness();
  ApiHarness(const ApiHarness&) = delete;
  ApiHarness& operator=(const ApiHarness&) = delete;

  // Runs one request and checks the answer's invariants (FUZZ_CHECK): a known status, never
  // 500 or 503 (a hostile request must not reach a bug or a store error), a JSON body (empty
  // for 204), and for an error an {"error":{"code","message"}} object.
  server::HttpResponse call(Caller caller, std::string method, std::string target,
                            std::string body);

  // Starts over from a freshly seeded store when a request may have invalidated the seeded
  // sessions (logout, deactivation, password change), and every kRunsPerStore calls anyway
  // so that the database stays small. Call before each input.
  void maybe_reset();

  std::string_view authorization(Caller caller) const;

 private:
  static constexpr int kRunsPerStore = 2000;

  void open();
  void close();

  std::filesystem::path dir_;
  ManualClock clock_;
  std::unique_ptr<Store> store_;
  std::unique_ptr<Engine> engine_;
  std::unique_ptr<server::Api> api_;
  std::string admin_;
  std::string alice_;
  std::string bob_;
  int runs_ = 0;
  bool dirty_ = false;
};

// Checks the invariants of a response (see ApiHarness::call); `what` names the request.
void check_response(const server::HttpResponse& response, std::string_view what);

}  // namespace missive::fuzz
