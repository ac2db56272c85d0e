#pragma once
// How the clients reach an https:// or wss:// server.

#include <string>

namespace missive::client {

struct TlsOptions {
  bool enabled = false;  // speak TLS (https://, wss://)
  // PEM file of the CA certificates (or the server's self-signed certificate) to trust instead
  // of the system's CAs. Empty: the system's CAs. The certificate is always verified, and must
  // name the host (DNS name or IP address) the client connects to.
  std::string ca_file;
};

}  // namespace missive::client
