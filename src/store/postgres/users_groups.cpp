// Users, sessions and groups of the PostgreSQL store.

#include <fmt/format.h>

#include "core/json_values.h"
#include "store/like_pattern.h"
#include "store/postgres/postgres_store_impl.h"
#include "store/postgres/rows.h"

namespace missive::postgres {
namespace {

Result<User> load_user(Tx& tx, UserId id) {
  MISSIVE_TRY(Rows rows,
              tx.query("SELECT " MISSIVE_PG_USER_COLUMNS " FROM users u WHERE u.id = $1", id));
  if (rows.empty()) return fail(ErrorCode::not_found, fmt::format("no user {}", id.value));
  return user_from_row(rows, 0);
}

Result<Group> load_group(Tx& tx, GroupId id) {
  MISSIVE_TRY(Rows rows,
              tx.query("SELECT " MISSIVE_PG_GROUP_COLUMNS " FROM grp g WHERE g.id = $1", id));
  if (rows.empty()) return fail(ErrorCode::not_found, fmt::format("no group {}", id.value));
  return group_from_row(rows, 0);
}

Status require_group(Tx& tx, GroupId id) {
  MISSIVE_TRY(Rows rows, tx.query("SELECT 1 FROM grp WHERE id = $1", id));
  if (rows.empty()) return fail(ErrorCode::not_found, fmt::format("no group {}", id.value));
  return {};
}

// FOR KEY SHARE: the user cannot be deleted before the referencing row commits, without
// blocking updates of the user.
Status require_user(Tx& tx, UserId id) {
  MISSIVE_TRY(Rows rows, tx.query("SELECT 1 FROM users WHERE id = $1 FOR KEY SHARE", id));
  if (rows.empty()) return fail(ErrorCode::not_found, fmt::format("no user {}", id.value));
  return {};
}

// Rewords a uniqueness violation for the user; other errors pass through.
Error reword_conflict(Error error, std::string message) {
  if (error.code == ErrorCode::conflict) error.message = std::move(message);
  return error;
}

}  // namespace

// --- users ---

Result<User> PostgresStore::create_user(const NewUser& nu) {
  std::string attributes = attributes_to_json(nu.attributes);
  const Permissions permissions = normalized(nu.permissions);
  return write([&](Tx& tx) -> Result<User> {
    auto rows = tx.query(
        "INSERT INTO users (handle, first_name, last_name, password_hash, attributes, "
        "is_admin, is_active, created_at, permissions) "
        "VALUES ($1, $2, $3, $4, $5, $6, true, $7, $8) RETURNING id",
        nu.handle, nu.first_name, nu.last_name, nu.password_hash, attributes, nu.is_admin,
        nu.created_at, permissions_to_text(permissions));
    if (!rows) {
      return std::unexpected(reword_conflict(
          std::move(rows).error(), fmt::format("the handle '{}' is already taken", nu.handle)));
    }
    User user;
    user.id = rows->id<UserId>(0, 0);
    user.handle = nu.handle;
    user.first_name = nu.first_name;
    user.last_name = nu.last_name;
    user.attributes = nu.attributes;
    user.is_admin = nu.is_admin;
    user.is_active = true;
    user.created_at = nu.created_at;
    user.permissions = permissions;
    return user;
  });
}

Result<User> PostgresStore::get_user(UserId id) {
  return read([&](Tx& tx) { return load_user(tx, id); });
}

Result<User> PostgresStore::get_user_by_handle(const std::string& handle) {
  return read([&](Tx& tx) -> Result<User> {
    MISSIVE_TRY(Rows rows, tx.query("SELECT " MISSIVE_PG_USER_COLUMNS
                                    " FROM users u WHERE u.handle = $1",
                                    handle));
    if (rows.empty()) return fail(ErrorCode::not_found, fmt::format("no user '{}'", handle));
    return user_from_row(rows, 0);
  });
}

Result<Credentials> PostgresStore::get_credentials(const std::string& handle) {
  return read([&](Tx& tx) -> Result<Credentials> {
    MISSIVE_TRY(Rows rows,
                tx.query("SELECT id, password_hash, is_active FROM users WHERE handle = $1",
                         handle));
    if (rows.empty()) return fail(ErrorCode::not_found, fmt::format("no user '{}'", handle));
    return Credentials{rows.id<UserId>(0, 0), std::string(rows.text(0, 1)),
                       rows.boolean(0, 2)};
  });
}

Result<std::vector<User>> PostgresStore::list_users(const UserQuery& query) {
  return read([&](Tx& tx) -> Result<std::vector<User>> {
    // ILIKE with the C collation: ASCII letters without case, as SQLite's LIKE; the prefix's
    // own % and _ are escaped.
    MISSIVE_TRY(Rows rows,
                tx.query("SELECT " MISSIVE_PG_USER_COLUMNS " FROM users u WHERE u.id > $1 "
                         "AND ($2::boolean OR u.is_active) AND ($4 = '' OR "
                         "u.handle ILIKE $5 ESCAPE '\\' OR u.first_name ILIKE $5 ESCAPE '\\' "
                         "OR u.last_name ILIKE $5 ESCAPE '\\') ORDER BY u.id LIMIT $3",
                         query.after, query.include_inactive, clamp_limit(query.limit),
                         query.prefix, like_prefix(query.prefix)));
    return users_from_rows(rows);
  });
}

Result<std::vector<User>> PostgresStore::list_active_users() {
  return read([&](Tx& tx) -> Result<std::vector<User>> {
    MISSIVE_TRY(Rows rows, tx.query("SELECT " MISSIVE_PG_USER_COLUMNS
                                    " FROM users u WHERE u.is_active ORDER BY u.id"));
    return users_from_rows(rows);
  });
}

Result<std::int64_t> PostgresStore::count_users() {
  return read([&](Tx& tx) -> Result<std::int64_t> {
    MISSIVE_TRY(Rows rows, tx.query("SELECT count(*) FROM users"));
    return rows.empty() ? 0 : rows.int64(0, 0);
  });
}

Result<User> PostgresStore::update_user(UserId id, const UserUpdate& update) {
  std::optional<std::string> attributes;
  if (update.attributes) attributes = attributes_to_json(*update.attributes);
  std::optional<std::string> permissions;
  if (update.permissions) permissions = permissions_to_text(normalized(*update.permissions));
  return write([&](Tx& tx) -> Result<User> {
    MISSIVE_TRY(Rows rows, tx.query("UPDATE users SET first_name = coalesce($1, first_name), "
                                    "last_name = coalesce($2, last_name), "
                                    "attributes = coalesce($3, attributes), "
                                    "password_hash = coalesce($4, password_hash), "
                                    "is_admin = coalesce($5::boolean, is_admin), "
                                    "permissions = coalesce($7, permissions) WHERE id = $6",
                                    update.first_name, update.last_name, attributes,
                                    update.password_hash, update.is_admin, id, permissions));
    if (rows.affected() == 0) {
      return fail(ErrorCode::not_found, fmt::format("no user {}", id.value));
    }
    return load_user(tx, id);
  });
}

Result<User> PostgresStore::set_user_active(UserId id, bool active) {
  return write([&](Tx& tx) -> Result<User> {
    MISSIVE_TRY(Rows rows, tx.query("UPDATE users SET is_active = $1 WHERE id = $2", active, id));
    if (rows.affected() == 0) {
      return fail(ErrorCode::not_found, fmt::format("no user {}", id.value));
    }
    if (!active) {
      MISSIVE_TRY(Rows revoked,
                  tx.query("UPDATE session SET revoked = true WHERE user_id = $1 AND NOT revoked",
                           id));
    }
    return load_user(tx, id);
  });
}

// --- sessions ---

Status PostgresStore::create_session(const std::string& token_hash, const Session& session) {
  return write([&](Tx& tx) -> Status {
    MISSIVE_TRY_STATUS(require_user(tx, session.user));
    auto rows = tx.query(
        "INSERT INTO session (token_hash, user_id, created_at, expires_at, revoked) "
        "VALUES ($1, $2, $3, $4, false)",
        token_hash, session.user, session.created_at, session.expires_at);
    if (!rows) {
      return std::unexpected(
          reword_conflict(std::move(rows).error(), "a session with this token already exists"));
    }
    return {};
  });
}

Result<Session> PostgresStore::find_session(const std::string& token_hash, Timestamp now) {
  return read([&](Tx& tx) -> Result<Session> {
    MISSIVE_TRY(Rows rows, tx.query("SELECT s.user_id, s.created_at, s.expires_at FROM session s "
                                    "JOIN users u ON u.id = s.user_id "
                                    "WHERE s.token_hash = $1 AND NOT s.revoked "
                                    "AND s.expires_at > $2 AND u.is_active",
                                    token_hash, now));
    if (rows.empty()) return fail(ErrorCode::not_found, "no such session, or it has expired");
    return Session{rows.id<UserId>(0, 0), rows.int64(0, 1), rows.int64(0, 2)};
  });
}

Status PostgresStore::revoke_session(const std::string& token_hash) {
  return write([&](Tx& tx) -> Status {
    MISSIVE_TRY(Rows rows,
                tx.query("UPDATE session SET revoked = true WHERE token_hash = $1", token_hash));
    if (rows.affected() == 0) return fail(ErrorCode::not_found, "no such session");
    return {};
  });
}

// --- groups ---

Result<Group> PostgresStore::create_group(const NewGroup& ng) {
  return write([&](Tx& tx) -> Result<Group> {
    MISSIVE_TRY_STATUS(require_user(tx, ng.owner));
    auto rows = tx.query(
        "INSERT INTO grp (name, rule, owner_id, is_active, created_at, senders, sender_ids) "
        "VALUES ($1, $2, $3, true, $4, $5, $6) RETURNING id",
        ng.name, ng.rule, ng.owner, ng.created_at, std::string(senders_name(ng.senders)),
        user_ids_to_text(ng.sender_ids));
    if (!rows) {
      return std::unexpected(reword_conflict(
          std::move(rows).error(), fmt::format("the group name '{}' is already taken", ng.name)));
    }
    Group group;
    group.id = rows->id<GroupId>(0, 0);
    group.name = ng.name;
    group.rule = ng.rule;
    group.owner = ng.owner;
    group.is_active = true;
    group.created_at = ng.created_at;
    group.senders = ng.senders;
    group.sender_ids = ng.sender_ids;
    return group;
  });
}

Result<Group> PostgresStore::get_group(GroupId id) {
  return read([&](Tx& tx) { return load_group(tx, id); });
}

Result<std::vector<Group>> PostgresStore::list_groups(bool include_inactive) {
  return read([&](Tx& tx) -> Result<std::vector<Group>> {
    MISSIVE_TRY(Rows rows, tx.query("SELECT " MISSIVE_PG_GROUP_COLUMNS
                                    " FROM grp g WHERE $1::boolean OR g.is_active ORDER BY g.id",
                                    include_inactive));
    std::vector<Group> groups;
    for (int r = 0; r < rows.size(); ++r) {
      MISSIVE_TRY(Group group, group_from_row(rows, r));
      groups.push_back(std::move(group));
    }
    return groups;
  });
}

Result<Group> PostgresStore::update_group(GroupId id, const GroupUpdate& update) {
  return write([&](Tx& tx) -> Result<Group> {
    std::optional<std::string> rule = update.rule ? *update.rule : std::nullopt;
    std::optional<std::string> senders;
    if (update.senders) senders = std::string(senders_name(*update.senders));
    std::optional<std::string> sender_ids;
    if (update.sender_ids) sender_ids = user_ids_to_text(*update.sender_ids);
    auto rows = tx.query(
        "UPDATE grp SET name = coalesce($1, name), "
        "rule = CASE WHEN $2::boolean THEN $3 ELSE rule END, "
        "is_active = coalesce($4::boolean, is_active), senders = coalesce($6, senders), "
        "sender_ids = coalesce($7, sender_ids) WHERE id = $5",
        update.name, update.rule.has_value(), rule, update.is_active, id, senders, sender_ids);
    if (!rows) {
      return std::unexpected(reword_conflict(
          std::move(rows).error(),
          fmt::format("the group name '{}' is already taken", update.name.value_or(""))));
    }
    if (rows->affected() == 0) {
      return fail(ErrorCode::not_found, fmt::format("no group {}", id.value));
    }
    return load_group(tx, id);
  });
}

Status PostgresStore::add_member(GroupId group, UserId user) {
  return write([&](Tx& tx) -> Status {
    MISSIVE_TRY_STATUS(require_group(tx, group));
    MISSIVE_TRY_STATUS(require_user(tx, user));
    MISSIVE_TRY(Rows rows,
                tx.query("INSERT INTO user_group (group_id, user_id, is_active) "
                         "VALUES ($1, $2, true) "
                         "ON CONFLICT (group_id, user_id) DO UPDATE SET is_active = true",
                         group, user));
    return {};
  });
}

Status PostgresStore::remove_member(GroupId group, UserId user) {
  return write([&](Tx& tx) -> Status {
    MISSIVE_TRY(Rows rows, tx.query("UPDATE user_group SET is_active = false "
                                    "WHERE group_id = $1 AND user_id = $2 AND is_active",
                                    group, user));
    if (rows.affected() == 0) {
      return fail(ErrorCode::not_found,
                  fmt::format("user {} is not a member of group {}", user.value, group.value));
    }
    return {};
  });
}

Result<std::vector<User>> PostgresStore::list_members(GroupId group) {
  return read([&](Tx& tx) -> Result<std::vector<User>> {
    MISSIVE_TRY_STATUS(require_group(tx, group));
    MISSIVE_TRY(Rows rows, tx.query("SELECT " MISSIVE_PG_USER_COLUMNS " FROM user_group ug "
                                    "JOIN users u ON u.id = ug.user_id "
                                    "WHERE ug.group_id = $1 AND ug.is_active AND u.is_active "
                                    "ORDER BY ug.user_id",
                                    group));
    return users_from_rows(rows);
  });
}

Result<std::vector<UserId>> PostgresStore::member_ids(GroupId group) {
  return read([&](Tx& tx) -> Result<std::vector<UserId>> {
    MISSIVE_TRY_STATUS(require_group(tx, group));
    MISSIVE_TRY(Rows rows, tx.query("SELECT u.id FROM user_group ug "
                                    "JOIN users u ON u.id = ug.user_id "
                                    "WHERE ug.group_id = $1 AND ug.is_active AND u.is_active "
                                    "ORDER BY ug.user_id",
                                    group));
    std::vector<UserId> ids;
    ids.reserve(static_cast<std::size_t>(rows.size()));
    for (int r = 0; r < rows.size(); ++r) ids.push_back(rows.id<UserId>(r, 0));
    return ids;
  });
}

Result<bool> PostgresStore::is_member(GroupId group, UserId user) {
  return read([&](Tx& tx) -> Result<bool> {
    MISSIVE_TRY_STATUS(require_group(tx, group));
    MISSIVE_TRY(Rows rows, tx.query("SELECT 1 FROM user_group ug "
                                    "JOIN users u ON u.id = ug.user_id "
                                    "WHERE ug.group_id = $1 AND ug.user_id = $2 "
                                    "AND ug.is_active AND u.is_active",
                                    group, user));
    return !rows.empty();
  });
}

}  // namespace missive::postgres

namespace missive::postgres {

// --- the organisation's policy: one row, absent until an admin first sets it ---

Result<OrgPolicy> PostgresStore::get_policy() {
  return read([&](Tx& tx) -> Result<OrgPolicy> {
    MISSIVE_TRY(Rows rows, tx.query("SELECT create_groups, create_rule_groups, large_audience, "
                                    "see_attributes FROM org_policy WHERE id = 1"));
    if (rows.empty()) return OrgPolicy{};
    return policy_from_text(rows.text(0, 0), rows.text(0, 1), rows.int64(0, 2), rows.text(0, 3));
  });
}

Result<OrgPolicy> PostgresStore::set_policy(const OrgPolicy& policy) {
  return write([&](Tx& tx) -> Result<OrgPolicy> {
    MISSIVE_TRY(Rows rows,
                tx.query("INSERT INTO org_policy (id, create_groups, create_rule_groups, "
                         "large_audience, see_attributes) VALUES (1, $1, $2, $3, $4) "
                         "ON CONFLICT (id) DO UPDATE SET create_groups = $1, "
                         "create_rule_groups = $2, large_audience = $3, see_attributes = $4",
                         std::string(grant_name(policy.create_groups)),
                         std::string(grant_name(policy.create_rule_groups)), policy.large_audience,
                         std::string(visibility_name(policy.see_attributes))));
    return policy;
  });
}

}  // namespace missive::postgres
