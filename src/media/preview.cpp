#include "media/preview.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <system_error>

#include "media/protocol.h"

namespace missive::media {
namespace {

constexpr std::size_t kStdoutMax = 64 * 1024;
constexpr std::size_t kStderrMax = 4 * 1024;
constexpr rlim_t kFileSizeMax = 64 * 1024 * 1024;
constexpr rlim_t kOpenFilesMax = 64;

Preview failed(MediaKind kind, std::string error) {
  Preview preview;
  preview.kind = kind;
  preview.status = PreviewStatus::failed;
  preview.error = std::move(error);
  return preview;
}

// A descriptor closed on scope exit.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    reset(std::exchange(other.fd_, -1));
    return *this;
  }
  ~Fd() { reset(); }
  int get() const { return fd_; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

// Everything the child needs, built before fork: after fork in a multithreaded process the
// child may only make async-signal-safe calls (no malloc), so it only reads these.
struct SpawnPlan {
  std::vector<std::string> args;
  std::vector<char*> argv;
  std::array<const char*, 5> envp{};
  std::array<rlimit, 5> limits{};
  std::array<int, 5> resources{};
  int null_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;
};

[[noreturn]] void run_child(const SpawnPlan& plan) {
  // A new session (and process group) so that a timeout can kill everything the worker
  // started, and so no terminal signal reaches it.
  ::setsid();
  for (std::size_t i = 0; i < plan.limits.size(); ++i) {
    if (::setrlimit(plan.resources[i], &plan.limits[i]) != 0) ::_exit(126);
  }
  if (::dup2(plan.null_fd, 0) < 0 || ::dup2(plan.stdout_fd, 1) < 0 ||
      ::dup2(plan.stderr_fd, 2) < 0) {
    ::_exit(126);
  }
  // The server holds sockets, database files and TLS keys: none may reach the worker, whether
  // or not whoever opened them asked for O_CLOEXEC.
  ::close_range(3, ~0U, 0);
  ::signal(SIGPIPE, SIG_DFL);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::execve(plan.argv[0], plan.argv.data(), const_cast<char* const*>(plan.envp.data()));
  ::_exit(127);
}

// Appends what is readable on `fd` to `out` up to `max` bytes (the rest is read and dropped,
// so the worker never blocks on a full pipe). Returns false at end of file or on error.
bool drain(int fd, std::string& out, std::size_t max) {
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n > 0) {
      const std::size_t keep = std::min<std::size_t>(static_cast<std::size_t>(n),
                                                     max - std::min(max, out.size()));
      out.append(buffer, keep);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EAGAIN) return true;
    return false;
  }
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

std::string with_stderr(std::string reason, const std::string& err) {
  std::string tail = trimmed(err);
  if (!tail.empty()) reason += ": " + tail;
  return reason;
}

}  // namespace

bool is_previewable(std::string_view mime) {
  switch (kind_of(mime)) {
    case MediaKind::image: {
      static constexpr std::array<std::string_view, 6> kImages = {
          "image/jpeg", "image/png", "image/gif", "image/webp", "image/heic", "image/avif"};
      return std::find(kImages.begin(), kImages.end(), mime) != kImages.end();
    }
    case MediaKind::video:
    case MediaKind::audio: return true;
    case MediaKind::other: return false;
  }
  return false;
}

std::filesystem::path default_worker_path() {
  if (const char* env = std::getenv("MISSIVE_MEDIA_WORKER"); env != nullptr && *env != '\0') {
    return env;
  }
  std::error_code ec;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return "missive-media";
  return self.parent_path() / "missive-media";
}

Preview make_preview(const std::filesystem::path& worker, const std::filesystem::path& input,
                     std::string_view sniffed_type, const std::filesystem::path& out_dir,
                     const PreviewLimits& limits) {
  const MediaKind kind = kind_of(sniffed_type);
  if (!is_previewable(sniffed_type)) {
    Preview preview;
    preview.kind = kind;
    return preview;
  }

  SpawnPlan plan;
  plan.args = {worker.string(),
               "preview",
               "--in",
               input.string(),
               "--type",
               std::string(sniffed_type),
               "--out-dir",
               out_dir.string(),
               "--max-pixels",
               std::to_string(limits.max_pixels),
               "--size",
               std::to_string(limits.thumbnail_px)};
  for (auto& arg : plan.args) plan.argv.push_back(arg.data());
  plan.argv.push_back(nullptr);
  // An empty environment but for what the worker's libraries need: the server's variables may
  // hold secrets. One malloc arena and one vips thread keep the address space small under
  // RLIMIT_AS (each arena reserves 64 MiB).
  plan.envp = {"PATH=/usr/bin:/bin", "MALLOC_ARENA_MAX=1", "VIPS_CONCURRENCY=1", "LC_ALL=C",
               nullptr};
  auto limit = [](std::int64_t soft, std::int64_t hard) {
    return rlimit{static_cast<rlim_t>(soft), static_cast<rlim_t>(hard)};
  };
  // RLIMIT_CPU: SIGXCPU at the soft limit, SIGKILL a second later.
  plan.resources = {RLIMIT_AS, RLIMIT_CPU, RLIMIT_NOFILE, RLIMIT_FSIZE, RLIMIT_CORE};
  // A worker built with AddressSanitizer or ThreadSanitizer (the debug and tsan presets)
  // reserves terabytes of address space for its shadow memory and cannot start under
  // RLIMIT_AS: there the address space is not limited. The release build keeps the limit.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  const std::int64_t address_space = static_cast<std::int64_t>(RLIM_INFINITY);
#else
  const std::int64_t address_space = limits.memory_bytes;
#endif
  plan.limits = {limit(address_space, address_space),
                 limit(limits.cpu_seconds, limits.cpu_seconds + 1),
                 limit(kOpenFilesMax, kOpenFilesMax),
                 limit(kFileSizeMax, kFileSizeMax),
                 limit(0, 0)};

  Fd null_fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  int out_pipe[2], err_pipe[2];
  if (null_fd.get() < 0 || ::pipe2(out_pipe, O_CLOEXEC) != 0) {
    return failed(kind, std::string("cannot start the worker: ") + std::strerror(errno));
  }
  Fd out_read(out_pipe[0]), out_write(out_pipe[1]);
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    return failed(kind, std::string("cannot start the worker: ") + std::strerror(errno));
  }
  Fd err_read(err_pipe[0]), err_write(err_pipe[1]);
  plan.null_fd = null_fd.get();
  plan.stdout_fd = out_write.get();
  plan.stderr_fd = err_write.get();

  const pid_t pid = ::fork();
  if (pid < 0) {
    return failed(kind, std::string("cannot start the worker: ") + std::strerror(errno));
  }
  if (pid == 0) run_child(plan);
  out_write.reset();
  err_write.reset();
  null_fd.reset();
  ::fcntl(out_read.get(), F_SETFL, O_NONBLOCK);
  ::fcntl(err_read.get(), F_SETFL, O_NONBLOCK);

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(limits.wall_seconds);
  std::string out, err;
  bool out_open = true, err_open = true, timed_out = false, exited = false;
  int wait_status = 0;
  while (!exited) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      timed_out = true;
      break;
    }
    auto remaining =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now).count() + 1;
    std::array<pollfd, 2> fds{};
    nfds_t count = 0;
    if (out_open) fds[count++] = {out_read.get(), POLLIN, 0};
    if (err_open) fds[count++] = {err_read.get(), POLLIN, 0};
    // With both pipes closed the worker is exiting (or closed them itself): poll its exit.
    const int timeout = count > 0 ? static_cast<int>(std::min<long long>(remaining, 1000)) : 10;
    if (::poll(fds.data(), count, timeout) < 0 && errno != EINTR) break;
    for (nfds_t i = 0; i < count; ++i) {
      if (fds[i].revents == 0) continue;
      if (fds[i].fd == out_read.get()) out_open = drain(out_read.get(), out, kStdoutMax);
      if (fds[i].fd == err_read.get()) err_open = drain(err_read.get(), err, kStderrMax);
    }
    if (!out_open && !err_open) {
      const pid_t r = ::waitpid(pid, &wait_status, WNOHANG);
      exited = r == pid || (r < 0 && errno != EINTR);
    }
  }
  if (!exited) {
    // Timed out (or poll failed): kill the whole group while the worker, not yet reaped, still
    // holds its id, so the id cannot name an unrelated process.
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
    while (::waitpid(pid, &wait_status, 0) < 0 && errno == EINTR) {
    }
  }
  if (timed_out) {
    return failed(kind, with_stderr("timed out after " + std::to_string(limits.wall_seconds) +
                                        " s", err));
  }
  if (WIFSIGNALED(wait_status)) {
    const int sig = WTERMSIG(wait_status);
    std::string reason = "crashed with signal " + std::to_string(sig);
    if (sig == SIGXCPU || sig == SIGKILL) reason += " (CPU or memory limit?)";
    if (sig == SIGSYS) reason += " (blocked by the sandbox)";
    return failed(kind, with_stderr(std::move(reason), err));
  }
  if (!WIFEXITED(wait_status) || WEXITSTATUS(wait_status) != 0) {
    const int code = WIFEXITED(wait_status) ? WEXITSTATUS(wait_status) : -1;
    // 127: execve failed, or the dynamic loader could not map the libraries (memory limit).
    std::string reason = code == 127 ? "the worker could not be run (" + worker.string() + ")"
                                     : "exited with status " + std::to_string(code);
    return failed(kind, with_stderr(std::move(reason), err));
  }
  auto parsed = preview_from_json(trimmed(out), out_dir);
  if (!parsed) {
    return failed(kind, with_stderr("bad worker output: " + parsed.error().message, err));
  }
  if (parsed->kind != kind) return failed(kind, "worker reported a different kind");
  if (parsed->status == PreviewStatus::failed && parsed->error.empty()) {
    parsed->error = with_stderr("decoder failed", err);
  }
  return *std::move(parsed);
}

}  // namespace missive::media
