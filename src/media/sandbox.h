#pragma once
// The worker's seccomp filter (docs/media.md, "Sandbox"). Internal to the missive-media
// executable. Not thread-safe: install it while the process has one thread, or accept that
// threads started earlier are not filtered (seccomp without TSYNC covers the caller and the
// threads it creates later; we pass TSYNC so existing threads are covered too).

#include "core/error.h"

namespace missive::media {

// Installs the filter on every thread of the process, after setting no_new_privs. From then
// on: socket/connect/bind/listen/accept and the rest of the network API fail with EPERM;
// creating a process (fork, vfork, clone without CLONE_THREAD), execve/execveat, ptrace,
// mount and other administrative calls kill the process with SIGSYS; clone3 fails with ENOSYS
// so that pthread_create falls back to clone, whose flags the filter can inspect.
// Fails with internal when libseccomp cannot build or load the filter.
Status install_sandbox();

}  // namespace missive::media
