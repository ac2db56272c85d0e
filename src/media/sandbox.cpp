#include "media/sandbox.h"

#include <errno.h>
#include <sched.h>
#include <seccomp.h>

#include <cstring>
#include <memory>
#include <string>

namespace missive::media {
namespace {

struct FilterDeleter {
  void operator()(void* ctx) const { seccomp_release(static_cast<scmp_filter_ctx>(ctx)); }
};

// Calls a decoder has no business making. The network: a decoder exploit's first wish is to
// talk to the outside or to the server's neighbours, and refusing with EPERM lets a library
// that merely probes (a resolver, a logging socket) carry on.
constexpr const char* kRefused[] = {
    "socket", "socketpair", "connect", "bind", "listen", "accept", "accept4",
    "sendto", "sendmsg", "sendmmsg", "recvfrom", "recvmsg", "recvmmsg", "getsockopt",
    "setsockopt", "getpeername", "getsockname", "shutdown",
};

// Calls nobody in the worker makes unless it has been subverted: running another program,
// making processes, inspecting or changing other processes, the kernel or the file system
// layout, raising privileges. The process dies at once (SIGSYS), which the runner reports.
constexpr const char* kKilled[] = {
    "execve", "execveat", "fork", "vfork", "ptrace", "process_vm_readv", "process_vm_writev",
    "mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "init_module",
    "finit_module", "delete_module", "kexec_load", "kexec_file_load", "reboot", "swapon",
    "swapoff", "bpf", "perf_event_open", "keyctl", "add_key", "request_key", "userfaultfd",
    "setuid", "setgid", "setreuid", "setregid", "setresuid", "setresgid", "setgroups",
    "acct", "quotactl", "settimeofday", "clock_settime", "adjtimex", "sethostname",
    "setdomainname", "iopl", "ioperm", "open_by_handle_at", "name_to_handle_at",
    "fanotify_init", "kcmp", "pidfd_getfd", "io_uring_setup",
};

}  // namespace

Status install_sandbox() {
  std::unique_ptr<void, FilterDeleter> ctx(seccomp_init(SCMP_ACT_ALLOW));
  if (!ctx) return fail(ErrorCode::internal, "seccomp_init failed");
  auto* filter = static_cast<scmp_filter_ctx>(ctx.get());
  // Cover the threads libvips, glib and libav have already started, not only this one.
  if (seccomp_attr_set(filter, SCMP_FLTATR_CTL_TSYNC, 1) != 0) {
    return fail(ErrorCode::internal, "seccomp: cannot synchronise threads");
  }
  auto add = [&](std::uint32_t action, const char* name) -> Status {
    const int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR) return {};  // not on this architecture
    if (const int rc = seccomp_rule_add(filter, action, nr, 0); rc != 0) {
      return fail(ErrorCode::internal,
                  std::string("seccomp: cannot add a rule for ") + name + ": " + std::strerror(-rc));
    }
    return {};
  };
  for (const char* name : kRefused) MISSIVE_TRY_STATUS(add(SCMP_ACT_ERRNO(EPERM), name));
  for (const char* name : kKilled) MISSIVE_TRY_STATUS(add(SCMP_ACT_KILL_PROCESS, name));

  // Threads are allowed (libvips and glib use worker threads even with concurrency 1), new
  // processes are not: clone with CLONE_THREAD is a thread; without it, a process.
  if (seccomp_rule_add(filter, SCMP_ACT_KILL_PROCESS, SCMP_SYS(clone), 1,
                       SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0)) != 0) {
    return fail(ErrorCode::internal, "seccomp: cannot add the clone rule");
  }
  // clone3 passes its flags in memory, out of the filter's sight: refuse it with ENOSYS, on
  // which glibc retries with clone.
  MISSIVE_TRY_STATUS(add(SCMP_ACT_ERRNO(ENOSYS), "clone3"));

  if (const int rc = seccomp_load(filter); rc != 0) {
    return fail(ErrorCode::internal, std::string("seccomp_load: ") + std::strerror(-rc));
  }
  return {};
}

}  // namespace missive::media
