#pragma once
// Names the calling thread (at most 15 characters) so that top -H, /proc and debuggers show
// which thread is which (docs/operations.md lists them).

#include <pthread.h>

namespace missive {

inline void name_this_thread(const char* name) { pthread_setname_np(pthread_self(), name); }

}  // namespace missive
