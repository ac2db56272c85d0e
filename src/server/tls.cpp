// Loading order matters for the error a user sees: the key first (unreadable, not a key,
// encrypted), then the certificate (OpenSSL silently drops a loaded key that does not match a
// certificate set afterwards), then an explicit match check.
#include "server/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include <fmt/format.h>

namespace missive::server {
namespace {

namespace ssl = boost::asio::ssl;

// The reason OpenSSL gave for `ec`; clears OpenSSL's error queue.
std::string openssl_reason(const boost::system::error_code& ec) {
  std::string reason = ec ? ec.message() : std::string();
  ERR_clear_error();
  return reason.empty() ? std::string("unknown OpenSSL error") : reason;
}

// invalid when `path` cannot be opened for reading (missing, permissions).
Status check_readable(const std::string& path, std::string_view what) {
  if (path.empty()) return fail(ErrorCode::invalid, fmt::format("no TLS {} file given", what));
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return fail(ErrorCode::invalid,
                fmt::format("cannot read the TLS {} file {}: {}", what, path, std::strerror(errno)));
  }
  return {};
}

}  // namespace

Result<std::unique_ptr<ssl::context>> load_tls_context(const std::string& cert_file,
                                                       const std::string& key_file) {
  MISSIVE_TRY_STATUS(check_readable(cert_file, "certificate"));
  MISSIVE_TRY_STATUS(check_readable(key_file, "key"));
  auto context = std::make_unique<ssl::context>(ssl::context::tls_server);
  // TLS 1.2 and 1.3 only.
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                       ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  if (SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION) != 1) {
    ERR_clear_error();
    return fail(ErrorCode::internal, "OpenSSL refuses to set TLS 1.2 as the minimum version");
  }
  // An encrypted key fails instead of prompting for a passphrase on the terminal.
  context->set_password_callback(
      [](std::size_t, ssl::context::password_purpose) { return std::string(); });

  boost::system::error_code ec;
  context->use_private_key_file(key_file, ssl::context::pem, ec);
  if (ec) {
    return fail(ErrorCode::invalid,
                fmt::format("the TLS key file {} holds no usable PEM private key (an encrypted "
                            "key is not supported): {}",
                            key_file, openssl_reason(ec)));
  }
  context->use_certificate_chain_file(cert_file, ec);
  if (ec) {
    return fail(ErrorCode::invalid,
                fmt::format("the TLS certificate file {} holds no usable PEM certificate: {}",
                            cert_file, openssl_reason(ec)));
  }
  if (SSL_CTX_check_private_key(context->native_handle()) != 1) {
    ERR_clear_error();
    return fail(ErrorCode::invalid,
                fmt::format("the TLS key {} does not match the certificate {}", key_file,
                            cert_file));
  }
  return context;
}

}  // namespace missive::server
