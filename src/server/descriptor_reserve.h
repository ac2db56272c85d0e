#pragma once
// Out of file descriptors, accept() fails with EMFILE while connections wait in the backlog,
// and an accept loop that simply retries spins on it. DescriptorReserve keeps one spare
// descriptor: when the process is out, it is given up for a moment to accept the oldest
// waiting connection, answer it 503 and close it, so that client learns why at once and the
// backlog does not fill with connections nobody answers.
//
// Thread-safety: one instance per listener, used from the listener's strand only.

namespace missive::server {

class DescriptorReserve {
 public:
  DescriptorReserve();  // holds a descriptor of /dev/null
  ~DescriptorReserve();
  DescriptorReserve(const DescriptorReserve&) = delete;
  DescriptorReserve& operator=(const DescriptorReserve&) = delete;

  // Accepts one waiting connection on the listening socket `listen_fd` with the spare
  // descriptor, answers it 503 and closes it; then takes the spare back. False when none
  // was waiting or the spare could not be used.
  bool refuse_one(int listen_fd);

 private:
  int spare_ = -1;
};

}  // namespace missive::server
