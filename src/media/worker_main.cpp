// missive-media: makes one preview of one untrusted file, in a process of its own, and prints
// the result as one line of JSON (docs/media.md). The server runs it through make_preview,
// which sets its rlimits; the worker then locks itself down with seccomp before any decoder
// sees the input.

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <thread>

#include "media/protocol.h"
#include "media/sandbox.h"
#include "media/worker.h"

namespace missive::media {
namespace {

constexpr int kUsageError = 2;

int usage(const char* why) {
  std::fprintf(stderr,
               "missive-media: %s\n"
               "usage: missive-media preview --in FILE --type MIME --out-dir DIR "
               "--max-pixels N --size PX\n",
               why);
  return kUsageError;
}

bool parse_int(std::string_view text, std::int64_t& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

int print(const Preview& preview) {
  const std::string line = preview_to_json(preview) + "\n";
  std::fwrite(line.data(), 1, line.size(), stdout);
  return std::fflush(stdout) == 0 ? 0 : 1;
}

// Opens the input (kept open in request.input_fd) and the output directory before the
// sandbox, checking what they are: the input a regular file (not a FIFO that would block, nor
// a device), the output a directory.
Status open_paths(WorkerRequest& request) {
  const int in = ::open(request.input.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (in < 0) {
    return fail(ErrorCode::not_found, "cannot open the input: " + std::string(std::strerror(errno)));
  }
  struct stat st {};
  if (::fstat(in, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(in);
    return fail(ErrorCode::invalid, "the input is not a regular file");
  }
  ::fcntl(in, F_SETFL, 0);
  request.input_fd = in;
  const int dir = ::open(request.out_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0) {
    return fail(ErrorCode::not_found,
                "cannot open the output directory: " + std::string(std::strerror(errno)));
  }
  ::close(dir);
  return {};
}

int run_preview(int argc, char** argv) {
  WorkerRequest request;
  bool have_in = false, have_type = false, have_out = false;
  for (int i = 2; i < argc; i += 2) {
    const std::string_view flag = argv[i];
    if (i + 1 >= argc) return usage("a flag lacks its value");
    const std::string_view value = argv[i + 1];
    std::int64_t number = 0;
    if (flag == "--in") {
      request.input = value;
      have_in = true;
    } else if (flag == "--type") {
      request.type = value;
      have_type = true;
    } else if (flag == "--out-dir") {
      request.out_dir = value;
      have_out = true;
    } else if (flag == "--max-pixels") {
      if (!parse_int(value, number) || number <= 0) return usage("bad --max-pixels");
      request.max_pixels = number;
    } else if (flag == "--size") {
      if (!parse_int(value, number) || number <= 0 || number > 10000) return usage("bad --size");
      request.size = static_cast<int>(number);
    } else {
      return usage("unknown flag");
    }
  }
  if (!have_in || !have_type || !have_out || request.max_pixels == 0 || request.size == 0) {
    return usage("missing flags");
  }
  const MediaKind kind = kind_of(request.type);
  Preview result;
  result.kind = kind;
  if (!is_previewable(request.type)) return print(result);  // status none
  if (auto paths = open_paths(request); !paths) {
    result.status = PreviewStatus::failed;
    result.error = paths.error().message;
    return print(result);
  }

  // Libraries start before the sandbox: their initialisation may read configuration and
  // start threads, which the filter then covers (TSYNC).
  if (auto vips = init_image_decoder(argv[0]); !vips) {
    std::fprintf(stderr, "%s\n", vips.error().message.c_str());
    return 1;
  }
  init_av_decoder();
  if (auto sandbox = install_sandbox(); !sandbox) {
    std::fprintf(stderr, "%s\n", sandbox.error().message.c_str());
    return 1;
  }
  switch (kind) {
    case MediaKind::image: return print(preview_image(request));
    case MediaKind::video: return print(preview_video(request));
    case MediaKind::audio: return print(preview_audio(request));
    case MediaKind::other: break;
  }
  return print(result);
}

// Test hook: installs the sandbox, then tries what it forbids. "socket" exits 0 when socket()
// was refused; "thread" exits 0 when a thread could still be started; "fork" and "exec" must
// not return (the process is killed with SIGSYS), else they exit 1.
int run_selftest(std::string_view what) {
  if (auto sandbox = install_sandbox(); !sandbox) {
    std::fprintf(stderr, "%s\n", sandbox.error().message.c_str());
    return 1;
  }
  if (what == "socket") {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    return fd < 0 && errno == EPERM ? 0 : 1;
  }
  if (what == "thread") {
    int value = 0;
    std::thread thread([&] { value = 1; });
    thread.join();
    return value == 1 ? 0 : 1;
  }
  if (what == "fork") {
    ::fork();
    return 1;
  }
  if (what == "exec") {
    char* const args[] = {const_cast<char*>("/bin/true"), nullptr};
    ::execv("/bin/true", args);
    return 1;
  }
  return usage("selftest-sandbox wants socket, thread, fork or exec");
}

}  // namespace
}  // namespace missive::media

// Under AddressSanitizer (the debug preset), LeakSanitizer's check at exit starts a tracer
// task (clone without CLONE_THREAD, then ptrace) to stop the threads, which the sandbox kills
// by design: every worker that ever started a thread died of SIGSYS at exit. The worker's
// memory errors are still caught; only the leak report is off, for this binary alone.
#if defined(__SANITIZE_ADDRESS__)
extern "C" const char* __asan_default_options() { return "detect_leaks=0"; }
#endif

int main(int argc, char** argv) {
  using namespace missive::media;
  if (argc >= 2 && std::string_view(argv[1]) == "preview") return run_preview(argc, argv);
  if (argc == 3 && std::string_view(argv[1]) == "selftest-sandbox") return run_selftest(argv[2]);
  return usage("unknown command");
}
