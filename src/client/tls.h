#pragma once
// The client side of TLS for http_client.cpp and ws_client.cpp (internal to src/client: it
// names Asio's and OpenSSL's types).
//
// Thread-safety: a context is used by one client at a time.

#include <openssl/ssl.h>

#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/ssl/context.hpp>
#include <boost/system/error_code.hpp>

#include "client/tls_options.h"
#include "core/error.h"

namespace missive::client {

// A TLS 1.2+ client context that verifies the server's certificate against `options.ca_file`
// or the system's CAs. invalid when the CA file cannot be read or holds no certificate.
Result<std::unique_ptr<boost::asio::ssl::context>> make_client_tls_context(
    const TlsOptions& options);

// Before the handshake on `ssl`: sends `host` as SNI (DNS names only) and requires the
// certificate to name `host` (a DNS name or an IP address). internal if OpenSSL refuses.
Status prepare_client_tls(SSL* ssl, const std::string& host);

// The error for a failed TLS handshake with `where` ("host:port"): unauthenticated with
// OpenSSL's verification reason when the certificate was not trusted, unavailable otherwise.
Error tls_handshake_error(SSL* ssl, const boost::system::error_code& ec, std::string_view where);

}  // namespace missive::client
