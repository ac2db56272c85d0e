// `missive serve --tls-cert --tls-key`: HTTPS and WSS on the listen port, with a self-signed
// certificate made for each test by the `openssl` command in the server's temp directory.
// Clients verify the certificate: they trust it only when given it as their CA file.
#include "fixture.h"
#include "raw_connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "client/ws_client.h"

namespace missive::itest {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

struct CommandResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr
};

// Runs `command` in a shell; its stdout and stderr together.
CommandResult run(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  while (const auto n = std::fread(buffer, 1, sizeof buffer, pipe)) result.output.append(buffer, n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// A self-signed certificate for 127.0.0.1 and localhost: `name`.crt and `name`.key in `dir`.
void make_certificate(const fs::path& dir, const std::string& name) {
  const auto result = run("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 "
                          "-nodes -days 2 -subj /CN=missive-test -addext "
                          "subjectAltName=IP:127.0.0.1,DNS:localhost -keyout " +
                          (dir / (name + ".key")).string() + " -out " +
                          (dir / (name + ".crt")).string());
  if (result.exit_code != 0) throw std::runtime_error("openssl failed:\n" + result.output);
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    make_certificate(dir(), "server");
    server_.set_extra_args({"--tls-cert", cert().string(), "--tls-key", key().string()});
    server_.start();
    ASSERT_TRUE(server_.tls());
    admin_ = std::make_unique<TestApi>(server_.port(), trusting());
    admin_->login("admin", kAdminPassword);
  }

  fs::path dir() const { return server_.data_dir(); }
  fs::path cert() const { return dir() / "server.crt"; }
  fs::path key() const { return dir() / "server.key"; }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(server_.port()); }

  // TLS options of a client that trusts the server's certificate.
  client::TlsOptions trusting() const { return {.enabled = true, .ca_file = cert().string()}; }

  Person person(const std::string& handle) {
    Person p{admin_->create_user(handle), handle,
             std::make_unique<TestApi>(server_.port(), trusting())};
    p.api->login(handle, "password-" + handle);
    return p;
  }

  // `missive ARGS` as a user would run it, with its own credentials file.
  CommandResult cli(const std::string& args, const std::string& env = {}) {
    return run("env -u MISSIVE_SERVER -u MISSIVE_TOKEN -u MISSIVE_CA_FILE MISSIVE_CONFIG=" +
               (dir() / "credentials").string() + " " + env + " " MISSIVE_BINARY " " + args);
  }

  ServerProcess server_;
  std::unique_ptr<TestApi> admin_;
};

TEST_F(TlsTest, LoginSendAndInboxOverHttps) {
  auto alice = person("alice");
  auto bob = person("bob");
  const auto sent = alice.api->send_to_users({bob.id}, "over TLS");
  ASSERT_EQ(sent.outcome(), "201") << sent.body;
  EXPECT_EQ(bob.api->inbox_ids(), std::vector<std::int64_t>{sent.id()});
}

TEST_F(TlsTest, TheCliLogsInOverHttpsWithACaFileAndKeepsUsingIt) {
  const auto untrusted = cli("--server " + url() + " login admin --password " + kAdminPassword);
  EXPECT_EQ(untrusted.exit_code, 1);
  EXPECT_NE(untrusted.output.find("is not trusted: self-signed certificate"), std::string::npos)
      << untrusted.output;

  const auto login = cli("--server " + url() + " --ca-file " + cert().string() +
                         " login admin --password " + kAdminPassword);
  ASSERT_EQ(login.exit_code, 0) << login.output;
  EXPECT_NE(login.output.find("logged in to " + url()), std::string::npos) << login.output;
  // The saved server and CA file serve the next commands.
  const auto whoami = cli("whoami");
  ASSERT_EQ(whoami.exit_code, 0) << whoami.output;
  EXPECT_NE(whoami.output.find("admin"), std::string::npos) << whoami.output;
}

TEST_F(TlsTest, AWssDeviceReceivesAPushAndTheShutdownClose) {
  auto alice = person("alice");
  auto bob = person("bob");
  client::WsClient device(client::WsOptions{.tls = trusting()});
  const auto connected = device.connect("127.0.0.1", server_.port(), bob.api->token());
  ASSERT_TRUE(connected) << connected.error().message;

  ASSERT_EQ(alice.api->send_to_users({bob.id}, "pushed over WSS").outcome(), "201");
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  bool pushed = false;
  while (!pushed && std::chrono::steady_clock::now() < deadline) {
    auto frame = device.receive(1s);
    ASSERT_TRUE(frame) << frame.error().message;
    pushed = frame->has_value() && (*frame)->find("\"type\":\"push\"") != std::string::npos &&
             (*frame)->find("pushed over WSS") != std::string::npos;
  }
  EXPECT_TRUE(pushed);

  // A stopping server closes the WSS connection with 1001 like a plain one (the device is
  // reading meanwhile, so it answers the close frame).
  int stopped = -1;
  std::thread stopper([&] { stopped = server_.stop(); });
  const auto after = device.receive(10s);
  stopper.join();
  EXPECT_FALSE(after.has_value());
  EXPECT_EQ(device.close_code(), client::kCloseGoingAway) << device.close_reason();
  EXPECT_EQ(stopped, 0);
}

TEST_F(TlsTest, PlainHttpOnTheTlsPortIsClosedAndTlsClientsKeepWorking) {
  // A client that connects and never starts the handshake must not hold up anyone.
  RawConnection silent(server_.port(), "");
  ASSERT_TRUE(silent.connected());

  RawConnection plain(server_.port(), "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(plain.connected());
  const auto answer = plain.read_until_closed(5s);
  EXPECT_TRUE(plain.closed());
  EXPECT_EQ(answer.find("HTTP/1.1 200"), std::string::npos) << answer;

  client::HttpClient http("127.0.0.1", server_.port());  // no TLS
  const auto refused = http.request("GET", "/healthz");
  EXPECT_FALSE(refused.has_value());

  const auto started = std::chrono::steady_clock::now();
  TestApi next(server_.port(), trusting());
  EXPECT_EQ(next.get("/healthz").outcome(), "200");
  EXPECT_EQ(admin_->get("/v1/me").outcome(), "200");
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST_F(TlsTest, AClientThatDoesNotTrustTheCertificateRefusesIt) {
  // The system's CAs (no CA file) do not include a self-signed certificate.
  client::HttpClient http("127.0.0.1", server_.port(), client::TlsOptions{.enabled = true});
  const auto response = http.request("GET", "/healthz");
  ASSERT_FALSE(response.has_value());
  EXPECT_EQ(response.error().code, ErrorCode::unauthenticated);
  EXPECT_NE(response.error().message.find("is not trusted: self-signed certificate"),
            std::string::npos)
      << response.error().message;

  // Another certificate as the CA file: still refused.
  make_certificate(dir(), "other");
  client::WsClient device(client::WsOptions{
      .tls = {.enabled = true, .ca_file = (dir() / "other.crt").string()}});
  const auto connected = device.connect("127.0.0.1", server_.port(), admin_->token());
  ASSERT_FALSE(connected.has_value());
  EXPECT_EQ(connected.error().code, ErrorCode::unauthenticated);
  EXPECT_NE(connected.error().message.find("is not trusted"), std::string::npos)
      << connected.error().message;

  // The server is unharmed.
  EXPECT_EQ(admin_->get("/healthz").outcome(), "200");
}

TEST_F(TlsTest, AMissingOrMismatchedKeyStopsServeWithAClearMessage) {
  const std::string serve = "serve --listen 127.0.0.1:0 --data " + (dir() / "other-data").string();
  const auto missing = cli(serve + " --tls-cert " + cert().string() + " --tls-key " +
                           (dir() / "missing.key").string());
  EXPECT_NE(missing.exit_code, 0);
  EXPECT_NE(missing.output.find("cannot read the TLS key file " + (dir() / "missing.key").string() +
                                ": No such file or directory"),
            std::string::npos)
      << missing.output;

  make_certificate(dir(), "other");
  const auto mismatched = cli(serve + " --tls-cert " + cert().string() + " --tls-key " +
                              (dir() / "other.key").string());
  EXPECT_NE(mismatched.exit_code, 0);
  EXPECT_NE(mismatched.output.find("does not match the certificate"), std::string::npos)
      << mismatched.output;
  EXPECT_EQ(mismatched.output.find("listening"), std::string::npos) << mismatched.output;
}

}  // namespace
}  // namespace missive::itest
