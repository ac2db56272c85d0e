// The `missive` command line against a real server on 127.0.0.1:0: each test starts
// `missive serve` on a fresh data directory (server_harness.h) and runs the CLI as a
// subprocess, as a user would. CliServeTest drives `missive serve` itself to see its output.

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "server_harness.h"

extern char** environ;

namespace {

namespace fs = std::filesystem;
using Env = std::map<std::string, std::string>;

using missive::itest::kAdminPassword;

struct CliRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// The current environment without MISSIVE_* variables, plus `extra`.
std::vector<std::string> make_env(const Env& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::strncmp(*e, "MISSIVE_", 8) != 0) env.emplace_back(*e);
  }
  for (const auto& [k, v] : extra) env.push_back(k + "=" + v);
  return env;
}

std::vector<char*> c_strings(std::vector<std::string>& items) {
  std::vector<char*> out;
  for (auto& s : items) out.push_back(s.data());
  out.push_back(nullptr);
  return out;
}

// fork + exec of the missive binary with stdin from `stdin_file` (or /dev/null).
pid_t spawn(std::vector<std::string> args, const Env& env, const std::string& stdin_file,
            int out_fd, int err_fd) {
  args.insert(args.begin(), MISSIVE_BINARY);
  auto env_strings = make_env(env);
  auto argv = c_strings(args);
  auto envp = c_strings(env_strings);
  const pid_t pid = fork();
  if (pid == 0) {
    const int in = ::open(stdin_file.empty() ? "/dev/null" : stdin_file.c_str(), O_RDONLY);
    dup2(in, STDIN_FILENO);
    dup2(out_fd, STDOUT_FILENO);
    dup2(err_fd, STDERR_FILENO);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// A temporary directory for credentials files and stdin, and the CLI runner.
class CliFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "missive-cli-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }

  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // Runs the CLI as the user whose credentials live in `config` (a file name in the temp dir).
  CliRun cli(std::vector<std::string> args, const std::string& config = "admin",
             const std::string& input = "") {
    std::string stdin_file;
    if (!input.empty()) {
      stdin_file = (dir_ / "stdin.txt").string();
      std::ofstream(stdin_file) << input;
    }
    int out[2], err[2];
    EXPECT_EQ(pipe(out), 0);
    EXPECT_EQ(pipe(err), 0);
    const pid_t pid = spawn(std::move(args),
                            {{"MISSIVE_SERVER", url_},
                             {"MISSIVE_CONFIG", (dir_ / config).string()},
                             {"HOME", dir_.string()}},
                            stdin_file, out[1], err[1]);
    ::close(out[1]);
    ::close(err[1]);
    CliRun run;
    pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    int open_fds = 2;
    while (open_fds > 0) {
      if (poll(fds, 2, 30000) <= 0) {
        kill(pid, SIGKILL);
        ADD_FAILURE() << "the CLI did not finish";
        break;
      }
      for (int i = 0; i < 2; ++i) {
        if (fds[i].fd < 0 || fds[i].revents == 0) continue;
        char buffer[4096];
        const ssize_t n = ::read(fds[i].fd, buffer, sizeof buffer);
        if (n <= 0) {
          ::close(fds[i].fd);
          fds[i].fd = -1;
          --open_fds;
        } else {
          (i == 0 ? run.out : run.err).append(buffer, static_cast<std::size_t>(n));
        }
      }
    }
    for (auto& p : fds) {
      if (p.fd >= 0) ::close(p.fd);
    }
    run.exit_code = wait_exit(pid);
    return run;
  }

  // Runs a command that must succeed; returns its stdout.
  std::string ok(std::vector<std::string> args, const std::string& config = "admin",
                 const std::string& input = "") {
    std::string shown;
    for (const auto& a : args) shown += a + " ";
    const CliRun run = cli(std::move(args), config, input);
    EXPECT_EQ(run.exit_code, 0) << shown << "\nstdout: " << run.out << "\nstderr: " << run.err;
    return run.out;
  }

  void login_admin() { ok({"login", "admin", "--password", kAdminPassword}); }

  void create_user(const std::string& handle, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"user",    "create",         handle,
                                     "--first", "First" + handle, "--last",
                                     "Last",    "--password",     "password-" + handle};
    args.insert(args.end(), extra.begin(), extra.end());
    ok(args);
    ok({"login", handle, "--password", "password-" + handle}, handle);
  }

  // The id in "sent message 12 to ..." output.
  static std::string sent_id(const std::string& out) {
    const std::string prefix = "sent message ";
    const auto at = out.find(prefix);
    if (at == std::string::npos) return "?";
    const auto start = at + prefix.size();
    return out.substr(start, out.find(' ', start) - start);
  }

  fs::path dir_;
  std::string url_;  // the server the CLI talks to
};

class CliTest : public CliFixture {
 protected:
  void SetUp() override {
    CliFixture::SetUp();
    server_.start();
    url_ = "http://127.0.0.1:" + std::to_string(server_.port());
  }

  missive::itest::ServerProcess server_;
};

// Drives `missive serve` directly, to check what it prints.
class CliServeTest : public CliFixture {
 protected:
  void TearDown() override {
    stop_server();
    CliFixture::TearDown();
  }

  // Starts `missive serve` on DIR/data and waits for its "listening on" line; returns its
  // stdout up to that line.
  std::string start_server() {
    int out[2];
    EXPECT_EQ(pipe(out), 0);
    const int log = ::open((dir_ / "server.log").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    server_ = spawn({"serve", "--listen", "127.0.0.1:0", "--data", (dir_ / "data").string()},
                    {{"MISSIVE_PASSWORD_COST", "minimal"}}, "", out[1], log);
    ::close(out[1]);
    ::close(log);
    server_out_ = out[0];
    std::string seen;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    const std::string marker = "missive: listening on ";
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{server_out_, POLLIN, 0};
      if (poll(&p, 1, 200) <= 0) continue;
      char buffer[4096];
      const ssize_t n = ::read(server_out_, buffer, sizeof buffer);
      if (n <= 0) break;
      seen.append(buffer, static_cast<std::size_t>(n));
      const auto at = seen.find(marker);
      if (at != std::string::npos && seen.find('\n', at) != std::string::npos) {
        url_ = seen.substr(at + marker.size(), seen.find('\n', at) - at - marker.size());
        return seen;
      }
    }
    std::ifstream in(dir_ / "server.log");
    ADD_FAILURE() << "the server did not start; stdout: " << seen
                  << "\nstderr: " << std::string(std::istreambuf_iterator<char>(in), {});
    return seen;
  }

  void stop_server() {
    if (server_ <= 0) return;
    kill(server_, SIGTERM);
    EXPECT_EQ(wait_exit(server_), 0) << "the server should stop cleanly on SIGTERM";
    ::close(server_out_);
    server_ = -1;
  }

  pid_t server_ = -1;
  int server_out_ = -1;
};

TEST_F(CliServeTest, CreatesAnAdminWithAGeneratedPasswordShownOnce) {
  const std::string first = start_server();
  EXPECT_TRUE(url_.starts_with("http://127.0.0.1:")) << url_;
  EXPECT_NE(url_, "http://127.0.0.1:0");
  const std::string prefix = "missive: created admin account \"admin\" with password ";
  const auto at = first.find(prefix);
  ASSERT_NE(at, std::string::npos) << first;
  const auto start = at + prefix.size();
  const std::string password = first.substr(start, first.find(' ', start) - start);
  EXPECT_NE(first.find("(shown once)"), std::string::npos);
  ok({"login", "admin", "--password", password});

  stop_server();
  const std::string second = start_server();
  EXPECT_EQ(second.find("created admin"), std::string::npos) << second;
  ok({"login", "admin", "--password", password});  // the same account, on a new port
}

TEST_F(CliServeTest, FailsClearlyWhenTheDataDirectoryIsUnusable) {
  std::ofstream(dir_ / "a-file") << "x";
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  const pid_t pid =
      spawn({"serve", "--listen", "127.0.0.1:0", "--data", (dir_ / "a-file").string()},
            {{"MISSIVE_PASSWORD_COST", "minimal"}}, "", out[1], out[1]);
  ::close(out[1]);
  std::string text;
  char buffer[4096];
  for (ssize_t n; (n = ::read(out[0], buffer, sizeof buffer)) > 0;) text.append(buffer, n);
  ::close(out[0]);
  EXPECT_EQ(wait_exit(pid), 1);
  EXPECT_NE(text.find("error: cannot create the data directory"), std::string::npos) << text;
}

TEST_F(CliServeTest, RefusesAMalformedListenAddress) {
  int out[2];
  ASSERT_EQ(pipe(out), 0);
  const pid_t pid = spawn({"serve", "--listen", "localhost", "--data", (dir_ / "data").string()},
                          {}, "", out[1], out[1]);
  ::close(out[1]);
  std::string text;
  char buffer[4096];
  for (ssize_t n; (n = ::read(out[0], buffer, sizeof buffer)) > 0;) text.append(buffer, n);
  ::close(out[0]);
  EXPECT_EQ(wait_exit(pid), 1);
  EXPECT_NE(text.find("error: --listen \"localhost\": expected HOST:PORT"), std::string::npos)
      << text;
}

TEST_F(CliTest, LoginSavesAPrivateTokenAndWhoamiUsesIt) {
  const std::string out = ok({"login", "admin", "--password", kAdminPassword});
  EXPECT_NE(out.find("logged in to " + url_ + " as admin"), std::string::npos) << out;
  struct stat st {};
  ASSERT_EQ(stat((dir_ / "admin").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  EXPECT_NE(ok({"whoami"}).find("handle:     admin"), std::string::npos);

  ok({"logout"});
  const CliRun after = cli({"whoami"});
  EXPECT_EQ(after.exit_code, 1);
  EXPECT_TRUE(after.err.starts_with("error: not logged in")) << after.err;
  EXPECT_TRUE(after.err.ends_with("(unauthenticated)\n")) << after.err;
}

TEST_F(CliTest, ApiErrorsGoToStderrWithTheirCode) {
  const CliRun bad = cli({"login", "admin", "--password", "not-the-password"});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_EQ(bad.out, "");
  EXPECT_TRUE(bad.err.starts_with("error: ")) << bad.err;
  EXPECT_TRUE(bad.err.ends_with(" (unauthenticated)\n")) << bad.err;

  login_admin();
  const CliRun rule = cli({"group", "create", "dbas", "--rule", "role == \"dba\""});
  EXPECT_EQ(rule.exit_code, 1);
  EXPECT_NE(rule.err.find("rule: unknown operator '==' at position 6"), std::string::npos)
      << rule.err;
  EXPECT_TRUE(rule.err.ends_with(" (unprocessable)\n")) << rule.err;

  const CliRun missing = cli({"show", "999999"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(missing.err.ends_with(" (not_found)\n")) << missing.err;
}

TEST_F(CliTest, UsageErrorsExitTwo) {
  EXPECT_EQ(cli({"send", "--to", "ada"}).exit_code, 2);  // no --subject
  EXPECT_EQ(cli({"no-such-command"}).exit_code, 2);
}

TEST_F(CliTest, UserAttributesAreTyped) {
  login_admin();
  ok({"user", "create", "ada", "--first", "Ada", "--last", "Lovelace", "--password", "password-ada",
      "--attr", "role=dba", "--attr", "level=3", "--attr", "contractor=false", "--attr",
      "code=\"007\""});
  const std::string json = ok({"user", "get", "ada", "--json"});
  rapidjson::Document doc;
  doc.Parse(json.c_str());
  ASSERT_FALSE(doc.HasParseError()) << json;
  EXPECT_STREQ(doc["handle"].GetString(), "ada");
  EXPECT_STREQ(doc["attributes"]["role"].GetString(), "dba");
  EXPECT_EQ(doc["attributes"]["level"].GetDouble(), 3.0);
  EXPECT_FALSE(doc["attributes"]["contractor"].GetBool());
  EXPECT_STREQ(doc["attributes"]["code"].GetString(), "007");

  ok({"user", "update", "ada", "--unset", "code", "--attr", "level=4"});
  const std::string shown = ok({"user", "get", "ada"});
  EXPECT_NE(shown.find("attributes: contractor=false level=4 role=dba"), std::string::npos)
      << shown;
  EXPECT_NE(ok({"user", "list"}).find("ada"), std::string::npos);
}

TEST_F(CliTest, SendInboxReadAndTheDashboard) {
  login_admin();
  create_user("ada");
  create_user("bob");
  ok({"group", "create", "ops"});
  ok({"group", "add", "ops", "ada", "bob"});
  const std::string members = ok({"group", "members", "ops"});
  EXPECT_NE(members.find("ada"), std::string::npos) << members;
  EXPECT_NE(members.find("bob"), std::string::npos) << members;

  const std::string sent = ok({"send", "--group", "ops", "--subject", "Deploy at noon", "--body",
                               "Freeze starts at 11:30."});
  EXPECT_NE(sent.find("to ops (2 recipients)"), std::string::npos) << sent;
  const std::string id = sent_id(sent);

  const std::string inbox = ok({"inbox"}, "ada");
  EXPECT_NE(inbox.find("Deploy at noon"), std::string::npos) << inbox;
  EXPECT_NE(ok({"inbox", "--unread"}, "ada").find("Deploy at noon"), std::string::npos);
  EXPECT_NE(ok({"show", id}, "ada").find("Freeze starts at 11:30."), std::string::npos);

  EXPECT_EQ(ok({"read", id}, "ada"), "marked 1 message read\n");
  EXPECT_EQ(ok({"inbox", "--unread"}, "ada"), "no unread messages\n");

  const std::string dashboard = ok({"dashboard"});
  EXPECT_NE(dashboard.find("READ %"), std::string::npos) << dashboard;
  EXPECT_NE(dashboard.find("Deploy at noon"), std::string::npos) << dashboard;
  EXPECT_NE(dashboard.find("50.0"), std::string::npos) << dashboard;

  const std::string report = ok({"dashboard", id});
  EXPECT_NE(report.find("read by 1 of 2 (50.0%)"), std::string::npos) << report;
  EXPECT_NE(report.find("Read (1):"), std::string::npos) << report;
  EXPECT_NE(report.find("Not read (1):"), std::string::npos) << report;
  const auto not_read = report.find("Not read (1):");
  EXPECT_NE(report.find("bob", not_read), std::string::npos) << report;
}

TEST_F(CliTest, BodyFromStdinRepliesAndThreads) {
  login_admin();
  create_user("ada");
  const std::string sent =
      ok({"send", "--to", "ada", "--subject", "Lunch?"}, "admin", "Noon at the usual place?\n");
  const std::string id = sent_id(sent);
  const std::string shown = ok({"show", id}, "ada");
  EXPECT_TRUE(shown.ends_with("\nNoon at the usual place?\n")) << shown;

  ok({"reply", id, "--body", "Yes!"}, "ada");
  const std::string thread = ok({"thread", id});
  EXPECT_NE(thread.find("[" + id + "] admin"), std::string::npos) << thread;
  EXPECT_NE(thread.find("\n    ["), std::string::npos) << "the reply is indented:\n" << thread;
  EXPECT_NE(thread.find("Re: Lunch?"), std::string::npos) << thread;
  EXPECT_NE(ok({"conversations"}, "ada").find("direct"), std::string::npos);
}

TEST_F(CliTest, RuleGroupsResolveWhenSending) {
  login_admin();
  create_user("ada", {"--attr", "role=dba"});
  create_user("bob", {"--attr", "role=dev"});
  ok({"group", "create", "dbas", "--rule", "role = \"dba\""});
  const std::string sent = ok({"send", "--group", "dbas", "--subject", "Backups", "--body", "ok?"});
  EXPECT_NE(sent.find("(1 recipient)"), std::string::npos) << sent;
  EXPECT_NE(ok({"inbox"}, "ada").find("Backups"), std::string::npos);
  EXPECT_EQ(ok({"inbox"}, "bob"), "no messages\n");
}

// Who may see and reach whom from the command line: the policy, permissions granted on user
// update, and a group's senders.
TEST_F(CliTest, PolicyPermissionsAndGroupSenders) {
  login_admin();
  const std::string policy = ok({"policy", "show"});
  EXPECT_NE(policy.find("create rule groups:  granted"), std::string::npos) << policy;
  EXPECT_NE(policy.find("more than 100 recipients"), std::string::npos) << policy;
  const std::string set =
      ok({"policy", "set", "--large-audience", "1", "--see-attributes", "admins"});
  EXPECT_NE(set.find("more than 1 recipients"), std::string::npos) << set;
  EXPECT_NE(set.find("see attributes:      admins"), std::string::npos) << set;

  create_user("ada", {"--attr", "role=dba"});
  create_user("bob");
  create_user("cyd");
  const CliRun refused = cli({"group", "create", "dbas", "--rule", "role = \"dba\""}, "ada");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("creating a rule group needs the create_rule_groups permission"),
            std::string::npos)
      << refused.err;
  EXPECT_TRUE(refused.err.ends_with(" (forbidden)\n")) << refused.err;
  const CliRun self_grant = cli({"user", "update", "ada", "--grant", "create_rule_groups"}, "ada");
  EXPECT_EQ(self_grant.exit_code, 1);
  EXPECT_TRUE(self_grant.err.ends_with(" (forbidden)\n")) << self_grant.err;

  ok({"user", "update", "ada", "--grant", "create_rule_groups", "--grant", "see_attributes"});
  const std::string revoked = ok({"user", "update", "ada", "--revoke", "see_attributes"});
  EXPECT_NE(revoked.find("permissions: create_rule_groups\n"), std::string::npos) << revoked;
  ok({"group", "create", "dbas", "--rule", "role = \"dba\""}, "ada");
  const CliRun big =
      cli({"send", "--to", "bob", "--to", "cyd", "--subject", "s", "--body", "b"}, "ada");
  EXPECT_EQ(big.exit_code, 1);
  EXPECT_NE(big.err.find("needs the send_to_large_audiences permission"), std::string::npos)
      << big.err;

  const std::string news = ok({"group", "create", "news", "--sender", "bob"});
  EXPECT_NE(news.find("senders:    named "), std::string::npos) << news;
  ok({"group", "add", "news", "cyd"});
  const CliRun member = cli({"send", "--group", "news", "--subject", "s", "--body", "b"}, "cyd");
  EXPECT_EQ(member.exit_code, 1);
  EXPECT_NE(member.err.find("only its named senders"), std::string::npos) << member.err;
  ok({"send", "--group", "news", "--subject", "News", "--body", "b"}, "bob");
  EXPECT_NE(ok({"group", "senders", "news", "everyone"}).find("senders:    everyone\n"),
            std::string::npos);
  ok({"send", "--group", "news", "--subject", "More", "--body", "b"}, "ada");
}

TEST_F(CliTest, WithdrawnMessagesLeaveTheInbox) {
  login_admin();
  create_user("ada");
  const std::string id = sent_id(ok({"send", "--to", "ada", "--subject", "Oops", "--body", "x"}));
  ok({"withdraw", id});
  EXPECT_EQ(ok({"inbox"}, "ada"), "no messages\n");
}

// Attachments: a 3 MiB file sent with --attach comes back byte for byte with `download`, which
// never overwrites a file unless told to; someone who did not see the message gets not_found.
TEST_F(CliTest, SendAttachThenDownloadGivesTheSameBytes) {
  login_admin();
  create_user("ada");
  create_user("bob");
  create_user("eve");
  std::string data(3 << 20, '\0');
  std::mt19937 random(7);
  for (auto& c : data) c = static_cast<char>(random());
  const fs::path file = dir_ / "photo.bin";
  std::ofstream(file, std::ios::binary).write(data.data(), static_cast<std::streamsize>(data.size()));

  const CliRun sent = cli({"send", "--to", "bob", "--subject", "Data", "--body", "attached",
                           "--attach", file.string()},
                          "ada");
  ASSERT_EQ(sent.exit_code, 0) << sent.err;
  // stderr is not a terminal here: progress comes as percentage lines.
  EXPECT_NE(sent.err.find("photo.bin: 100%"), std::string::npos) << sent.err;
  const std::string id = sent_id(sent.out);

  rapidjson::Document message;
  message.Parse(ok({"show", id, "--json"}, "bob").c_str());
  ASSERT_TRUE(message.IsObject() && message.HasMember("attachments"));
  const auto& attachments = message["attachments"];
  ASSERT_TRUE(attachments.IsArray());
  ASSERT_EQ(attachments.Size(), 1u);
  EXPECT_STREQ(attachments[0]["name"].GetString(), "photo.bin");
  EXPECT_EQ(attachments[0]["size"].GetInt64(), 3 << 20);
  const std::string upload = std::to_string(attachments[0]["id"].GetInt64());

  const fs::path saved = dir_ / "saved.bin";
  const std::string out = ok({"download", upload, "-o", saved.string(), "--quiet"}, "bob");
  EXPECT_EQ(out, "saved attachment " + upload + " to " + saved.string() + " (3.0 MB)\n");
  const auto read_all = [](const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  EXPECT_TRUE(read_all(saved) == data) << "the downloaded bytes differ";

  const CliRun again = cli({"download", upload, "-o", saved.string()}, "bob");
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("exists: give --force"), std::string::npos) << again.err;
  ok({"download", upload, "-o", saved.string(), "--force", "-q"}, "bob");
  EXPECT_TRUE(read_all(saved) == data);

  const fs::path stolen = dir_ / "stolen.bin";
  const CliRun denied = cli({"download", upload, "-o", stolen.string()}, "eve");
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_EQ(denied.out, "");
  EXPECT_NE(denied.err.find("attachment " + upload + " not found, or you may not see it"),
            std::string::npos)
      << denied.err;
  EXPECT_TRUE(denied.err.ends_with(" (not_found)\n")) << denied.err;
  EXPECT_FALSE(fs::exists(stolen));
  EXPECT_FALSE(fs::exists(dir_ / "stolen.bin.part"));
}

TEST_F(CliTest, UploadPrintsEachUpload) {
  login_admin();
  const fs::path notes = dir_ / "notes.txt";
  std::ofstream(notes) << "meeting notes\n";
  const std::string out = ok({"upload", notes.string(), "-q"});
  EXPECT_TRUE(out.starts_with("upload ")) << out;
  EXPECT_NE(out.find(": notes.txt (14 B, text/plain) sha256 "), std::string::npos) << out;
  rapidjson::Document upload;
  upload.Parse(ok({"upload", notes.string(), "-q", "--json"}).c_str());
  ASSERT_TRUE(upload.IsObject());
  EXPECT_STREQ(upload["state"].GetString(), "complete");
  EXPECT_EQ(upload["size"].GetInt64(), 14);
}

TEST_F(CliTest, SearchPrintsHitsWithSnippets) {
  login_admin();
  create_user("ada");
  ok({"send", "--to", "ada", "--subject", "Deploy window", "--body", "We deploy at 22:00 on Friday."});
  ok({"send", "--to", "ada", "--subject", "进度", "--body", "项目交付周二"});
  const std::string found = ok({"search", "deploy"}, "ada");
  EXPECT_NE(found.find("SNIPPET"), std::string::npos) << found;
  EXPECT_NE(found.find("We «deploy» at 22:00"), std::string::npos) << found;
  EXPECT_NE(ok({"search", "交付", "--from", "admin", "--sort", "date"}, "ada").find("项目«交付»周二"),
            std::string::npos);
  EXPECT_EQ(ok({"search", "absent"}, "ada"), "no messages found\n");
  const CliRun bad = cli({"search", "\"open"}, "ada");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("unbalanced quote at position 1 (invalid)"), std::string::npos) << bad.err;
}

}  // namespace

namespace {

TEST_F(CliTest, RemindersFromSendToStop) {
  login_admin();
  create_user("ada");
  const std::string sent = ok({"send", "--to", "ada", "--subject", "Sign the form", "--body", "x",
                               "--remind", "weekly", "--expires", "2099-01-31",
                               "--deactivate-non-responders"});
  const std::string id = sent_id(sent);
  const std::string report = ok({"dashboard", id});
  EXPECT_NE(report.find("reminders: weekly, final on 2099-01-31; 0 sent; next "),
            std::string::npos)
      << report;
  EXPECT_NE(report.find("REMINDED"), std::string::npos) << report;
  const std::string set = ok({"remind", "set", id, "--frequency", "every:3"});
  EXPECT_NE(set.find("reminders every 3 days, final on 2099-01-31, 0 sent"), std::string::npos)
      << set;
  EXPECT_NE(ok({"reminders", "due", "--until", "2099-01-01"}).find("Sign the form"),
            std::string::npos);
  EXPECT_EQ(ok({"reminders"}, "ada"), "no reminders\n");
  EXPECT_NE(ok({"remind", "stop", id}).find("stopped"), std::string::npos);
  EXPECT_EQ(ok({"reminders", "due", "--until", "2099-01-01"}), "no reminders due\n");

  const CliRun bad = cli({"send", "--to", "ada", "--subject", "x", "--body", "x", "--remind",
                          "weekly"},
                         "admin", "");
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("reminders need an expiry_date"), std::string::npos) << bad.err;
}

TEST_F(CliTest, SyncPrintsTheTimelineThenTheCursor) {
  login_admin();
  create_user("ada");
  const std::string id = sent_id(ok({"send", "--to", "ada", "--subject", "Lunch?", "--body", "Noon"}));
  ok({"read", id}, "ada");

  const std::string out = ok({"sync"}, "ada");
  EXPECT_NE(out.find("#1 message  conv "), std::string::npos) << out;
  EXPECT_NE(out.find("message " + id + "  from admin: \"Lunch?\""), std::string::npos) << out;
  EXPECT_NE(out.find("#2 read     conv "), std::string::npos) << out;
  EXPECT_TRUE(out.ends_with("\ncursor 2\n")) << out;

  EXPECT_EQ(ok({"sync", "--since", "2"}, "ada"), "cursor 2\n");
  const std::string one_by_one = ok({"sync", "--limit", "1"}, "ada");
  EXPECT_EQ(one_by_one, out);

  const std::string json = ok({"sync", "--since", "1", "--json"}, "ada");
  const auto eol = json.find('\n');
  ASSERT_NE(eol, std::string::npos) << json;
  rapidjson::Document entry;
  entry.Parse(json.substr(0, eol).c_str());
  ASSERT_TRUE(entry.IsObject()) << json;
  EXPECT_EQ(entry["seq"].GetInt64(), 2);
  EXPECT_STREQ(entry["kind"].GetString(), "read");
  EXPECT_EQ(json.substr(eol + 1), "{\"cursor\":2}\n");
}

// `missive watch` as a background process: its output is read as it comes.
class WatchProcess {
 public:
  WatchProcess(pid_t pid, int out_fd, int err_fd) : pid_(pid), out_(out_fd), err_(err_fd) {}
  ~WatchProcess() {
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      wait_exit(pid_);
    }
    ::close(out_);
    ::close(err_);
  }

  // Reads stdout until it contains `text` (true) or 20 s pass.
  bool wait_for(const std::string& text) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (out.find(text) == std::string::npos) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      pollfd p{out_, POLLIN, 0};
      if (poll(&p, 1, 100) <= 0) continue;
      char buffer[4096];
      const ssize_t n = ::read(out_, buffer, sizeof buffer);
      if (n <= 0) return false;
      out.append(buffer, static_cast<std::size_t>(n));
    }
    return true;
  }

  // SIGINT, then the exit code; stderr is collected into `err`.
  int interrupt() {
    kill(pid_, SIGINT);
    char buffer[4096];
    for (ssize_t n; (n = ::read(err_, buffer, sizeof buffer)) > 0;) err.append(buffer, n);
    const int code = wait_exit(pid_);
    pid_ = -1;
    return code;
  }

  std::string out;
  std::string err;

 private:
  pid_t pid_;
  int out_;
  int err_;
};

TEST_F(CliTest, WatchCatchesUpThenPrintsWhatArrivesUntilInterrupted) {
  login_admin();
  create_user("ada");
  const std::string first = sent_id(ok({"send", "--to", "ada", "--subject", "Before"}));

  int out[2], err[2];
  ASSERT_EQ(pipe(out), 0);
  ASSERT_EQ(pipe(err), 0);
  const pid_t pid = spawn({"watch", "--since", "0"},
                          {{"MISSIVE_SERVER", url_},
                           {"MISSIVE_CONFIG", (dir_ / "ada").string()},
                           {"HOME", dir_.string()}},
                          "", out[1], err[1]);
  ::close(out[1]);
  ::close(err[1]);
  WatchProcess watch(pid, out[0], err[0]);
  ASSERT_TRUE(watch.wait_for("from admin: \"Before\"\n")) << watch.out;
  EXPECT_TRUE(watch.out.starts_with("#1 message  conv ")) << watch.out;

  const std::string second = sent_id(ok({"send", "--to", "ada", "--subject", "Live"}));
  ASSERT_TRUE(watch.wait_for("message " + second + "  from admin: \"Live\"\n")) << watch.out;
  EXPECT_NE(watch.out.find("#2 message  conv "), std::string::npos) << watch.out;

  // The watch acknowledges what it printed: the admin's messages become delivered. The ack
  // goes out after the line is printed, so the status entry may take a moment.
  std::string sync = ok({"sync"});
  for (int i = 0; i < 50 && sync.find("message " + second + " ada delivered") == std::string::npos;
       ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    sync = ok({"sync"});
  }
  EXPECT_NE(sync.find("message " + second + " ada delivered"), std::string::npos) << sync;

  EXPECT_EQ(watch.interrupt(), 0) << watch.err;
  EXPECT_NE(watch.err.find("stopped at cursor 2"), std::string::npos) << watch.err;
  (void)first;
}

}  // namespace
