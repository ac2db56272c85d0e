#pragma once
// Limits and field checks shared by every interface. Each check returns an Error a user can
// act on (field name, limit, what was wrong), or success.

#include <cstddef>
#include <string_view>

#include "core/error.h"
#include "core/types.h"

namespace missive {

struct Limits {
  static constexpr std::size_t kHandleMax = 64;
  static constexpr std::size_t kNameMax = 200;          // first/last/group names, bytes
  static constexpr std::size_t kPasswordMin = 8;
  static constexpr std::size_t kPasswordMax = 1024;
  static constexpr std::size_t kSubjectMax = 1000;      // bytes (default; configurable)
  static constexpr std::size_t kBodyMax = 64 * 1024;    // bytes (default; configurable)
  static constexpr std::size_t kMetadataMax = 16 * 1024;
  static constexpr std::size_t kFlagsMax = 32;
  static constexpr std::size_t kFlagMax = 64;
  static constexpr std::size_t kAttributesMax = 64;
  static constexpr std::size_t kAttributeNameMax = 64;
  static constexpr std::size_t kAttributeValueMax = 1024;
  static constexpr std::size_t kRuleMax = 4096;
  static constexpr std::size_t kClientMsgIdMax = 128;
  static constexpr std::size_t kAddressesMax = 10000;   // users + groups named in one send
};

// True when `text` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool is_valid_utf8(std::string_view text);

// Handles: 1..64 of [a-z0-9_.-], starting with a letter or digit. invalid otherwise.
Status validate_handle(std::string_view handle);
// A required human name (user first/last name, group name): non-empty after trimming,
// valid UTF-8, no control characters, at most kNameMax bytes. `field` names it in errors.
Status validate_name(std::string_view field, std::string_view value);
Status validate_password(std::string_view password);
// Subject (non-empty, <= max_bytes) and body (<= max_bytes): valid UTF-8. The limits are the
// server's (--subject-limit, --message-body-limit); Limits::kSubjectMax/kBodyMax by default.
// unprocessable when over a limit; invalid when not UTF-8 or the subject is empty.
Status validate_subject(std::string_view subject, std::size_t max_bytes = Limits::kSubjectMax);
Status validate_body(std::string_view body, std::size_t max_bytes = Limits::kBodyMax);
// Message metadata: one JSON object (see validate_json_object), at most kMetadataMax bytes.
// unprocessable when over the limit; invalid otherwise.
Status validate_metadata(std::string_view metadata_json);
Status validate_flags(const std::vector<std::string>& flags);
Status validate_client_msg_id(std::string_view id);
// Attribute names are identifiers ([A-Za-z_][A-Za-z0-9_]*, <= kAttributeNameMax); string
// values valid UTF-8 and <= kAttributeValueMax; at most kAttributesMax entries.
Status validate_attributes(const Attributes& attributes);
// An email address as users type it: local@domain, at most 254 bytes, printable ASCII
// without spaces, quotes, angle brackets, commas or semicolons (nothing that could change a
// mail header), a domain of letters, digits, '-' and dots. invalid otherwise, saying why.
Status validate_email_address(std::string_view address);

}  // namespace missive
