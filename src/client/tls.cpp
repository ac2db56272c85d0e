#include "client/tls.h"

#include <openssl/err.h>
#include <openssl/x509_vfy.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include <boost/asio/ip/address.hpp>
#include <fmt/format.h>

namespace missive::client {

namespace ssl = boost::asio::ssl;

Result<std::unique_ptr<ssl::context>> make_client_tls_context(const TlsOptions& options) {
  auto context = std::make_unique<ssl::context>(ssl::context::tls_client);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                       ssl::context::no_tlsv1_1);
  SSL_CTX_set_min_proto_version(context->native_handle(), TLS1_2_VERSION);
  context->set_verify_mode(ssl::verify_peer);
  boost::system::error_code ec;
  if (options.ca_file.empty()) {
    context->set_default_verify_paths(ec);
    if (ec) {
      ERR_clear_error();
      return fail(ErrorCode::unavailable,
                  fmt::format("cannot load the system's CA certificates: {}", ec.message()));
    }
  } else {
    if (std::ifstream in(options.ca_file, std::ios::binary); !in) {
      return fail(ErrorCode::invalid, fmt::format("cannot read the CA file {}: {}",
                                                  options.ca_file, std::strerror(errno)));
    }
    context->load_verify_file(options.ca_file, ec);
    if (ec) {
      ERR_clear_error();
      return fail(ErrorCode::invalid,
                  fmt::format("the CA file {} holds no PEM certificate: {}", options.ca_file,
                              ec.message()));
    }
  }
  return context;
}

Status prepare_client_tls(SSL* ssl, const std::string& host) {
  boost::system::error_code ec;
  (void)boost::asio::ip::make_address(host, ec);
  const bool is_ip = !ec;
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl);
  X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
  // An IP address is matched against the certificate's IP entries; SNI carries names only.
  const bool ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str()) == 1
                        : SSL_set_tlsext_host_name(ssl, host.c_str()) == 1 &&
                              X509_VERIFY_PARAM_set1_host(param, host.c_str(), host.size()) == 1;
  if (!ok) {
    ERR_clear_error();
    return fail(ErrorCode::internal, fmt::format("OpenSSL cannot verify the host name {}", host));
  }
  return {};
}

Error tls_handshake_error(SSL* ssl, const boost::system::error_code& ec, std::string_view where) {
  const long verify = SSL_get_verify_result(ssl);
  ERR_clear_error();
  if (verify != X509_V_OK) {
    return Error{ErrorCode::unauthenticated,
                 fmt::format("the TLS certificate of {} is not trusted: {} (for a self-signed "
                             "certificate, trust it with --ca-file FILE or MISSIVE_CA_FILE)",
                             where, X509_verify_cert_error_string(verify))};
  }
  return Error{ErrorCode::unavailable,
               fmt::format("TLS handshake with {} failed: {}", where, ec.message())};
}

}  // namespace missive::client
