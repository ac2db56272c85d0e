#pragma once
// How the CLI shows the API's objects (users, groups, messages) when --json is not given.

#include <string>

#include "cli/context.h"
#include "cli/json_util.h"

namespace missive::cli {

// "role=dba level=3" from an attributes object.
std::string format_attributes(const JsonValue& attributes);

// Key: value lines for one user / group.
void print_user(const JsonValue& user);
void print_group(const JsonValue& group);

// A message: header lines (from, to, subject, dates, read figures) then the body.
void print_message(Api& api, const JsonValue& message);

// "sent message 12 to Ops (10 recipients)" after a send or a reply; "(a retry)" when the
// server answered 200 for a repeated client id.
void print_sent(const Response& response);

}  // namespace missive::cli
