#pragma once
// The server's TLS context (OpenSSL through Boost.Asio): loaded once at startup from the PEM
// files given to `missive serve --tls-cert --tls-key`.
//
// Internal to src/server: it names Asio's ssl::context and is included only by server.cpp and
// tls.cpp.
//
// Thread-safety: the context is read-only once loaded; sessions on any thread share it.

#include <memory>
#include <string>

#include <boost/asio/ssl/context.hpp>

#include "core/error.h"

namespace missive::server {

// A TLS 1.2+ server context holding the certificate chain `cert_file` and its private key
// `key_file`. invalid (with the file and OpenSSL's reason in the message) when a file cannot
// be read, is not PEM, the key is encrypted, or the key does not match the certificate.
Result<std::unique_ptr<boost::asio::ssl::context>> load_tls_context(const std::string& cert_file,
                                                                    const std::string& key_file);

}  // namespace missive::server
