#include "core/validate.h"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <cmath>
#include <string>

#include "core/json_values.h"
#include "core/utf8.h"

namespace missive {
namespace detail {

std::size_t utf8_error_offset(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    const unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c == 0xE0) {
      len = 3, lo = 0xA0;  // no overlong three-byte forms
    } else if (c >= 0xE1 && c <= 0xEC) {
      len = 3;
    } else if (c == 0xED) {
      len = 3, hi = 0x9F;  // no UTF-16 surrogates
    } else if (c >= 0xEE && c <= 0xEF) {
      len = 3;
    } else if (c == 0xF0) {
      len = 4, lo = 0x90;  // no overlong four-byte forms
    } else if (c >= 0xF1 && c <= 0xF3) {
      len = 4;
    } else if (c == 0xF4) {
      len = 4, hi = 0x8F;  // nothing above U+10FFFF
    } else {
      return i;  // continuation byte, C0/C1 overlong lead, or F5..FF
    }
    if (i + len > n) return i;
    if (s[i + 1] < lo || s[i + 1] > hi) return i;
    for (std::size_t k = 2; k < len; ++k) {
      if (s[i + k] < 0x80 || s[i + k] > 0xBF) return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

std::size_t utf8_length(std::string_view text, std::size_t bytes) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < bytes && i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++count;
  }
  return count;
}

}  // namespace detail

namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// C0 controls, DEL and the C1 controls (U+0080..U+009F, encoded C2 80..C2 9F).
bool has_control_character(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7F) return true;
    if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) <= 0x9F) return true;
  }
  return false;
}

bool is_identifier(std::string_view s) {
  if (s.empty()) return false;
  const auto first = static_cast<unsigned char>(s[0]);
  if (!(std::isalpha(first) || first == '_')) return false;
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (!(std::isalnum(c) || c == '_')) return false;
  }
  return true;
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

Status too_long(ErrorCode code, std::string_view field, std::size_t size, std::size_t limit) {
  return fail(code, fmt::format("{} is {} bytes; the limit is {}", field, size, limit));
}

}  // namespace

bool is_valid_utf8(std::string_view text) {
  return detail::utf8_error_offset(text) == std::string_view::npos;
}

Status validate_handle(std::string_view handle) {
  if (handle.empty()) return fail(ErrorCode::invalid, "handle is empty");
  if (handle.size() > Limits::kHandleMax) {
    return too_long(ErrorCode::invalid, "handle", handle.size(), Limits::kHandleMax);
  }
  for (std::size_t i = 0; i < handle.size(); ++i) {
    const char c = handle[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (i == 0 && !alnum) {
      return fail(ErrorCode::invalid, "handle must start with a lowercase letter or a digit");
    }
    if (!alnum && c != '_' && c != '.' && c != '-') {
      const auto uc = static_cast<unsigned char>(c);
      const std::string shown =
          (uc >= 0x21 && uc <= 0x7E) ? fmt::format("'{}'", c) : fmt::format("byte 0x{:02X}", uc);
      return fail(ErrorCode::invalid,
                  fmt::format("handle contains {} at position {}; allowed are a-z, 0-9, '_', '.' "
                              "and '-'",
                              shown, i + 1));
    }
  }
  return {};
}

Status validate_name(std::string_view field, std::string_view value) {
  if (!is_valid_utf8(value))
    return fail(ErrorCode::invalid, fmt::format("{} is not valid UTF-8", field));
  if (trim(value).empty()) return fail(ErrorCode::invalid, fmt::format("{} is empty", field));
  if (value.size() > Limits::kNameMax) {
    return too_long(ErrorCode::invalid, field, value.size(), Limits::kNameMax);
  }
  if (has_control_character(value)) {
    return fail(ErrorCode::invalid, fmt::format("{} contains a control character", field));
  }
  return {};
}

Status validate_password(std::string_view password) {
  if (!is_valid_utf8(password)) return fail(ErrorCode::invalid, "password is not valid UTF-8");
  if (password.size() > Limits::kPasswordMax) {
    return too_long(ErrorCode::invalid, "password", password.size(), Limits::kPasswordMax);
  }
  const std::size_t chars = detail::utf8_length(password, password.size());
  if (chars < Limits::kPasswordMin) {
    return fail(ErrorCode::invalid, fmt::format("password is {} characters; the minimum is {}",
                                                chars, Limits::kPasswordMin));
  }
  return {};
}

Status validate_subject(std::string_view subject, std::size_t max_bytes) {
  if (!is_valid_utf8(subject)) return fail(ErrorCode::invalid, "subject is not valid UTF-8");
  if (subject.size() > max_bytes) {
    return too_long(ErrorCode::unprocessable, "subject", subject.size(), max_bytes);
  }
  if (trim(subject).empty()) return fail(ErrorCode::invalid, "subject is empty");
  if (has_control_character(subject)) {
    return fail(ErrorCode::invalid, "subject contains a control character");
  }
  return {};
}

Status validate_body(std::string_view body, std::size_t max_bytes) {
  if (!is_valid_utf8(body)) return fail(ErrorCode::invalid, "body is not valid UTF-8");
  if (body.size() > max_bytes) {
    return too_long(ErrorCode::unprocessable, "body", body.size(), max_bytes);
  }
  // Text keeps its tabs and line breaks; other C0 controls (NUL above all) are never text.
  for (const char ch : body) {
    const auto c = static_cast<unsigned char>(ch);
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) {
      return fail(ErrorCode::invalid,
                  "body contains a control character (only tab and line breaks are allowed)");
    }
  }
  return {};
}

Status validate_metadata(std::string_view metadata_json) {
  if (metadata_json.size() > Limits::kMetadataMax) {
    return too_long(ErrorCode::unprocessable, "metadata", metadata_json.size(),
                    Limits::kMetadataMax);
  }
  auto status = validate_json_object(metadata_json);
  if (!status) return fail(status.error().code, "metadata: " + status.error().message);
  return {};
}

Status validate_flags(const std::vector<std::string>& flags) {
  if (flags.size() > Limits::kFlagsMax) {
    return fail(ErrorCode::invalid, fmt::format("flags has {} entries; the limit is {}",
                                                flags.size(), Limits::kFlagsMax));
  }
  for (std::size_t i = 0; i < flags.size(); ++i) {
    const std::string& flag = flags[i];
    const std::string field = fmt::format("flag {}", i + 1);
    if (flag.empty()) return fail(ErrorCode::invalid, field + " is empty");
    if (!is_valid_utf8(flag)) return fail(ErrorCode::invalid, field + " is not valid UTF-8");
    if (flag.size() > Limits::kFlagMax) {
      return too_long(ErrorCode::invalid, field, flag.size(), Limits::kFlagMax);
    }
    if (has_control_character(flag)) {
      return fail(ErrorCode::invalid, field + " contains a control character");
    }
  }
  return {};
}

Status validate_client_msg_id(std::string_view id) {
  if (id.empty()) return fail(ErrorCode::invalid, "client_msg_id is empty");
  if (id.size() > Limits::kClientMsgIdMax) {
    return too_long(ErrorCode::invalid, "client_msg_id", id.size(), Limits::kClientMsgIdMax);
  }
  for (char ch : id) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x21 || c > 0x7E) {
      return fail(ErrorCode::invalid,
                  "client_msg_id must be printable ASCII without spaces (e.g. a UUID)");
    }
  }
  return {};
}

Status validate_attributes(const Attributes& attributes) {
  if (attributes.size() > Limits::kAttributesMax) {
    return fail(ErrorCode::invalid, fmt::format("attributes has {} entries; the limit is {}",
                                                attributes.size(), Limits::kAttributesMax));
  }
  static constexpr std::array<std::string_view, 3> kBuiltins = {"handle", "first_name",
                                                                "last_name"};
  static constexpr std::array<std::string_view, 6> kKeywords = {"and", "or",   "not",
                                                                "in",  "true", "false"};
  for (const auto& [name, value] : attributes) {
    if (name.size() > Limits::kAttributeNameMax) {
      return fail(ErrorCode::invalid, fmt::format("attribute name is {} bytes; the limit is {}",
                                                  name.size(), Limits::kAttributeNameMax));
    }
    if (!is_identifier(name)) {
      return fail(ErrorCode::invalid,
                  fmt::format("attribute name '{}' is not an identifier (letters, digits and '_', "
                              "not starting with a digit)",
                              is_valid_utf8(name) && !has_control_character(name) ? name : "?"));
    }
    for (auto builtin : kBuiltins) {
      if (name == builtin) {
        return fail(ErrorCode::invalid,
                    fmt::format("attribute name '{}' is reserved: it is a user field", name));
      }
    }
    for (auto keyword : kKeywords) {
      if (iequals(name, keyword)) {
        return fail(ErrorCode::invalid,
                    fmt::format("attribute name '{}' is reserved: it is a rule keyword", name));
      }
    }
    if (const auto* text = std::get_if<std::string>(&value)) {
      if (!is_valid_utf8(*text)) {
        return fail(ErrorCode::invalid, fmt::format("attribute '{}' is not valid UTF-8", name));
      }
      if (text->size() > Limits::kAttributeValueMax) {
        return too_long(ErrorCode::invalid, fmt::format("attribute '{}'", name), text->size(),
                        Limits::kAttributeValueMax);
      }
    } else if (const auto* number = std::get_if<double>(&value)) {
      if (!std::isfinite(*number)) {
        return fail(ErrorCode::invalid, fmt::format("attribute '{}' is not a finite number", name));
      }
    }
  }
  return {};
}

Status validate_email_address(std::string_view address) {
  if (address.empty()) return fail(ErrorCode::invalid, "email is empty");
  if (address.size() > 254) return too_long(ErrorCode::invalid, "email", address.size(), 254);
  const auto at = address.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == address.size() ||
      address.find('@') != at) {
    return fail(ErrorCode::invalid, "email must look like name@example.org");
  }
  for (std::size_t i = 0; i < address.size(); ++i) {
    const auto c = static_cast<unsigned char>(address[i]);
    if (c <= 0x20 || c >= 0x7F || std::string_view("\"<>(),;:[]\\").find(static_cast<char>(c)) !=
                                      std::string_view::npos) {
      return fail(ErrorCode::invalid,
                  fmt::format("email contains a character not allowed at position {}", i + 1));
    }
  }
  const std::string_view domain = address.substr(at + 1);
  for (char c : domain) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '.';
    if (!ok) return fail(ErrorCode::invalid, "the email's domain may hold letters, digits, '-' and '.'");
  }
  if (domain.front() == '.' || domain.back() == '.' || domain.find("..") != std::string_view::npos) {
    return fail(ErrorCode::invalid, "the email's domain is not well formed");
  }
  return {};
}

}  // namespace missive
