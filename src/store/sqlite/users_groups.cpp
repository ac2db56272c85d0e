// Users, sessions and groups of the SQLite store.

#include <fmt/format.h>

#include "core/json_values.h"
#include "store/like_pattern.h"
#include "store/sqlite/rows.h"
#include "store/sqlite/sqlite_store_impl.h"

namespace missive::sqlite {
namespace {

Result<User> load_user(Db& db, UserId id) {
  MISSIVE_SQL(stmt, db, "SELECT " MISSIVE_USER_COLUMNS " FROM user u WHERE u.id = ?");
  stmt.bind(id);
  MISSIVE_TRY(bool row, stmt.step());
  if (!row) return fail(ErrorCode::not_found, fmt::format("no user {}", id.value));
  return user_from_row(stmt);
}

Result<std::vector<User>> collect_users(Stmt& stmt) {
  std::vector<User> users;
  for (;;) {
    MISSIVE_TRY(bool row, stmt.step());
    if (!row) return users;
    MISSIVE_TRY(User user, user_from_row(stmt));
    users.push_back(std::move(user));
  }
}

Result<Group> load_group(Db& db, GroupId id) {
  MISSIVE_SQL(stmt, db, "SELECT " MISSIVE_GROUP_COLUMNS " FROM grp g WHERE g.id = ?");
  stmt.bind(id);
  MISSIVE_TRY(bool row, stmt.step());
  if (!row) return fail(ErrorCode::not_found, fmt::format("no group {}", id.value));
  return group_from_row(stmt);
}

Status require_group(Db& db, GroupId id) {
  MISSIVE_SQL(stmt, db, "SELECT 1 FROM grp WHERE id = ?");
  stmt.bind(id);
  MISSIVE_TRY(bool row, stmt.step());
  if (!row) return fail(ErrorCode::not_found, fmt::format("no group {}", id.value));
  return {};
}

Status require_user(Db& db, UserId id) {
  MISSIVE_SQL(stmt, db, "SELECT 1 FROM user WHERE id = ?");
  stmt.bind(id);
  MISSIVE_TRY(bool row, stmt.step());
  if (!row) return fail(ErrorCode::not_found, fmt::format("no user {}", id.value));
  return {};
}

// Rewords a uniqueness violation for the user; other errors pass through.
Error reword_conflict(Error error, std::string message) {
  if (error.code == ErrorCode::conflict) error.message = std::move(message);
  return error;
}

}  // namespace

// --- users ---

Result<User> SqliteStore::create_user(const NewUser& nu) {
  std::string attributes = attributes_to_json(nu.attributes);
  const Permissions permissions = normalized(nu.permissions);
  return write([&](Db& db) -> Result<User> {
    MISSIVE_SQL(stmt, db,
                "INSERT INTO user (handle, first_name, last_name, password_hash, attributes, "
                "is_admin, is_active, created_at, permissions) "
                "VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?) RETURNING id");
    stmt.bind(nu.handle, nu.first_name, nu.last_name, nu.password_hash, attributes, nu.is_admin,
              nu.created_at, permissions_to_text(permissions));
    auto row = stmt.step();
    if (!row) {
      return std::unexpected(reword_conflict(
          std::move(row).error(), fmt::format("the handle '{}' is already taken", nu.handle)));
    }
    User user;
    user.id = stmt.id<UserId>(0);
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

Result<User> SqliteStore::get_user(UserId id) {
  return read([&](Db& db) { return load_user(db, id); });
}

Result<User> SqliteStore::get_user_by_handle(const std::string& handle) {
  return read([&](Db& db) -> Result<User> {
    MISSIVE_SQL(stmt, db, "SELECT " MISSIVE_USER_COLUMNS " FROM user u WHERE u.handle = ?");
    stmt.bind(handle);
    MISSIVE_TRY(bool row, stmt.step());
    if (!row) return fail(ErrorCode::not_found, fmt::format("no user '{}'", handle));
    return user_from_row(stmt);
  });
}

Result<Credentials> SqliteStore::get_credentials(const std::string& handle) {
  return read([&](Db& db) -> Result<Credentials> {
    MISSIVE_SQL(stmt, db, "SELECT id, password_hash, is_active FROM user WHERE handle = ?");
    stmt.bind(handle);
    MISSIVE_TRY(bool row, stmt.step());
    if (!row) return fail(ErrorCode::not_found, fmt::format("no user '{}'", handle));
    return Credentials{stmt.id<UserId>(0), stmt.text(1), stmt.boolean(2)};
  });
}

Result<std::vector<User>> SqliteStore::list_users(const UserQuery& query) {
  return read([&](Db& db) -> Result<std::vector<User>> {
    // LIKE compares ASCII letters without case; the prefix's own % and _ are escaped.
    MISSIVE_SQL(stmt, db,
                "SELECT " MISSIVE_USER_COLUMNS " FROM user u WHERE u.id > ?1 "
                "AND (?2 OR u.is_active = 1) AND (?4 = '' OR u.handle LIKE ?5 ESCAPE '\\' "
                "OR u.first_name LIKE ?5 ESCAPE '\\' OR u.last_name LIKE ?5 ESCAPE '\\') "
                "ORDER BY u.id LIMIT ?3");
    stmt.bind(query.after, query.include_inactive, clamp_limit(query.limit), query.prefix,
              like_prefix(query.prefix));
    return collect_users(stmt);
  });
}

Result<std::vector<User>> SqliteStore::list_active_users() {
  return read([&](Db& db) -> Result<std::vector<User>> {
    MISSIVE_SQL(stmt, db,
                "SELECT " MISSIVE_USER_COLUMNS " FROM user u WHERE u.is_active = 1 ORDER BY u.id");
    return collect_users(stmt);
  });
}

Result<std::int64_t> SqliteStore::count_users() {
  return read([&](Db& db) -> Result<std::int64_t> {
    MISSIVE_SQL(stmt, db, "SELECT count(*) FROM user");
    MISSIVE_TRY(bool row, stmt.step());
    return row ? stmt.int64(0) : 0;
  });
}

Result<User> SqliteStore::update_user(UserId id, const UserUpdate& update) {
  std::optional<std::string> attributes;
  if (update.attributes) attributes = attributes_to_json(*update.attributes);
  std::optional<std::string> permissions;
  if (update.permissions) permissions = permissions_to_text(normalized(*update.permissions));
  return write([&](Db& db) -> Result<User> {
    MISSIVE_SQL(stmt, db,
                "UPDATE user SET first_name = coalesce(?, first_name), "
                "last_name = coalesce(?, last_name), attributes = coalesce(?, attributes), "
                "password_hash = coalesce(?, password_hash), is_admin = coalesce(?, is_admin), "
                "permissions = coalesce(?, permissions) WHERE id = ?");
    stmt.bind(update.first_name, update.last_name, attributes, update.password_hash,
              update.is_admin, permissions, id);
    MISSIVE_TRY_STATUS(stmt.run());
    if (db.changes() == 0) return fail(ErrorCode::not_found, fmt::format("no user {}", id.value));
    return load_user(db, id);
  });
}

Result<User> SqliteStore::set_user_active(UserId id, bool active) {
  return write([&](Db& db) -> Result<User> {
    MISSIVE_SQL(stmt, db, "UPDATE user SET is_active = ? WHERE id = ?");
    stmt.bind(active, id);
    MISSIVE_TRY_STATUS(stmt.run());
    if (db.changes() == 0) return fail(ErrorCode::not_found, fmt::format("no user {}", id.value));
    if (!active) {
      MISSIVE_SQL(revoke, db, "UPDATE session SET revoked = 1 WHERE user_id = ? AND revoked = 0");
      revoke.bind(id);
      MISSIVE_TRY_STATUS(revoke.run());
    }
    return load_user(db, id);
  });
}

// --- sessions ---

Status SqliteStore::create_session(const std::string& token_hash, const Session& session) {
  return write([&](Db& db) -> Status {
    MISSIVE_TRY_STATUS(require_user(db, session.user));
    MISSIVE_SQL(stmt, db,
                "INSERT INTO session (token_hash, user_id, created_at, expires_at, revoked) "
                "VALUES (?, ?, ?, ?, 0)");
    stmt.bind(token_hash, session.user, session.created_at, session.expires_at);
    auto ran = stmt.run();
    if (!ran) {
      return std::unexpected(
          reword_conflict(std::move(ran).error(), "a session with this token already exists"));
    }
    return {};
  });
}

Result<Session> SqliteStore::find_session(const std::string& token_hash, Timestamp now) {
  return read([&](Db& db) -> Result<Session> {
    MISSIVE_SQL(stmt, db,
                "SELECT s.user_id, s.created_at, s.expires_at FROM session s "
                "JOIN user u ON u.id = s.user_id "
                "WHERE s.token_hash = ? AND s.revoked = 0 AND s.expires_at > ? "
                "AND u.is_active = 1");
    stmt.bind(token_hash, now);
    MISSIVE_TRY(bool row, stmt.step());
    if (!row) return fail(ErrorCode::not_found, "no such session, or it has expired");
    return Session{stmt.id<UserId>(0), stmt.int64(1), stmt.int64(2)};
  });
}

Status SqliteStore::revoke_session(const std::string& token_hash) {
  return write([&](Db& db) -> Status {
    MISSIVE_SQL(stmt, db, "UPDATE session SET revoked = 1 WHERE token_hash = ?");
    stmt.bind(token_hash);
    MISSIVE_TRY_STATUS(stmt.run());
    if (db.changes() == 0) return fail(ErrorCode::not_found, "no such session");
    return {};
  });
}

// --- groups ---

Result<Group> SqliteStore::create_group(const NewGroup& ng) {
  return write([&](Db& db) -> Result<Group> {
    MISSIVE_TRY_STATUS(require_user(db, ng.owner));
    MISSIVE_SQL(stmt, db,
                "INSERT INTO grp (name, rule, owner_id, is_active, created_at, senders, "
                "sender_ids) VALUES (?, ?, ?, 1, ?, ?, ?) RETURNING id");
    stmt.bind(ng.name, ng.rule, ng.owner, ng.created_at, std::string(senders_name(ng.senders)),
              user_ids_to_text(ng.sender_ids));
    auto row = stmt.step();
    if (!row) {
      return std::unexpected(reword_conflict(
          std::move(row).error(), fmt::format("the group name '{}' is already taken", ng.name)));
    }
    Group group;
    group.id = stmt.id<GroupId>(0);
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

Result<Group> SqliteStore::get_group(GroupId id) {
  return read([&](Db& db) { return load_group(db, id); });
}

Result<std::vector<Group>> SqliteStore::list_groups(bool include_inactive) {
  return read([&](Db& db) -> Result<std::vector<Group>> {
    MISSIVE_SQL(stmt, db,
                "SELECT " MISSIVE_GROUP_COLUMNS " FROM grp g WHERE ? OR g.is_active = 1 "
                "ORDER BY g.id");
    stmt.bind(include_inactive);
    std::vector<Group> groups;
    for (;;) {
      MISSIVE_TRY(bool row, stmt.step());
      if (!row) return groups;
      MISSIVE_TRY(Group group, group_from_row(stmt));
      groups.push_back(std::move(group));
    }
  });
}

Result<Group> SqliteStore::update_group(GroupId id, const GroupUpdate& update) {
  return write([&](Db& db) -> Result<Group> {
    MISSIVE_SQL(stmt, db,
                "UPDATE grp SET name = coalesce(?, name), "
                "rule = CASE WHEN ? THEN ? ELSE rule END, is_active = coalesce(?, is_active), "
                "senders = coalesce(?, senders), sender_ids = coalesce(?, sender_ids) "
                "WHERE id = ?");
    std::optional<std::string> rule = update.rule ? *update.rule : std::nullopt;
    std::optional<std::string> senders;
    if (update.senders) senders = std::string(senders_name(*update.senders));
    std::optional<std::string> sender_ids;
    if (update.sender_ids) sender_ids = user_ids_to_text(*update.sender_ids);
    stmt.bind(update.name, update.rule.has_value(), rule, update.is_active, senders, sender_ids,
              id);
    auto ran = stmt.run();
    if (!ran) {
      return std::unexpected(reword_conflict(
          std::move(ran).error(),
          fmt::format("the group name '{}' is already taken", update.name.value_or(""))));
    }
    if (db.changes() == 0) return fail(ErrorCode::not_found, fmt::format("no group {}", id.value));
    return load_group(db, id);
  });
}

Status SqliteStore::add_member(GroupId group, UserId user) {
  return write([&](Db& db) -> Status {
    MISSIVE_TRY_STATUS(require_group(db, group));
    MISSIVE_TRY_STATUS(require_user(db, user));
    MISSIVE_SQL(stmt, db,
                "INSERT INTO user_group (group_id, user_id, is_active) VALUES (?, ?, 1) "
                "ON CONFLICT (group_id, user_id) DO UPDATE SET is_active = 1");
    stmt.bind(group, user);
    return stmt.run();
  });
}

Status SqliteStore::remove_member(GroupId group, UserId user) {
  return write([&](Db& db) -> Status {
    MISSIVE_SQL(stmt, db,
                "UPDATE user_group SET is_active = 0 "
                "WHERE group_id = ? AND user_id = ? AND is_active = 1");
    stmt.bind(group, user);
    MISSIVE_TRY_STATUS(stmt.run());
    if (db.changes() == 0) {
      return fail(ErrorCode::not_found,
                  fmt::format("user {} is not a member of group {}", user.value, group.value));
    }
    return {};
  });
}

Result<std::vector<User>> SqliteStore::list_members(GroupId group) {
  return read([&](Db& db) -> Result<std::vector<User>> {
    MISSIVE_TRY_STATUS(require_group(db, group));
    MISSIVE_SQL(stmt, db,
                "SELECT " MISSIVE_USER_COLUMNS " FROM user_group ug "
                "JOIN user u ON u.id = ug.user_id "
                "WHERE ug.group_id = ? AND ug.is_active = 1 AND u.is_active = 1 ORDER BY ug.user_id");
    stmt.bind(group);
    return collect_users(stmt);
  });
}

Result<std::vector<UserId>> SqliteStore::member_ids(GroupId group) {
  return read([&](Db& db) -> Result<std::vector<UserId>> {
    MISSIVE_TRY_STATUS(require_group(db, group));
    MISSIVE_SQL(stmt, db,
                "SELECT u.id FROM user_group ug JOIN user u ON u.id = ug.user_id "
                "WHERE ug.group_id = ? AND ug.is_active = 1 AND u.is_active = 1 ORDER BY ug.user_id");
    stmt.bind(group);
    std::vector<UserId> ids;
    for (;;) {
      MISSIVE_TRY(bool row, stmt.step());
      if (!row) return ids;
      ids.push_back(stmt.id<UserId>(0));
    }
  });
}

Result<bool> SqliteStore::is_member(GroupId group, UserId user) {
  return read([&](Db& db) -> Result<bool> {
    MISSIVE_TRY_STATUS(require_group(db, group));
    MISSIVE_SQL(stmt, db,
                "SELECT 1 FROM user_group ug JOIN user u ON u.id = ug.user_id "
                "WHERE ug.group_id = ? AND ug.user_id = ? AND ug.is_active = 1 "
                "AND u.is_active = 1");
    stmt.bind(group, user);
    return stmt.step();
  });
}

}  // namespace missive::sqlite

namespace missive::sqlite {

// --- the organisation's policy: one row, absent until an admin first sets it ---

Result<OrgPolicy> SqliteStore::get_policy() {
  return read([&](Db& db) -> Result<OrgPolicy> {
    MISSIVE_SQL(stmt, db,
                "SELECT create_groups, create_rule_groups, large_audience, see_attributes "
                "FROM org_policy WHERE id = 1");
    MISSIVE_TRY(bool row, stmt.step());
    if (!row) return OrgPolicy{};
    return policy_from_text(stmt.text(0), stmt.text(1), stmt.int64(2), stmt.text(3));
  });
}

Result<OrgPolicy> SqliteStore::set_policy(const OrgPolicy& policy) {
  return write([&](Db& db) -> Result<OrgPolicy> {
    MISSIVE_SQL(stmt, db,
                "INSERT INTO org_policy (id, create_groups, create_rule_groups, large_audience, "
                "see_attributes) VALUES (1, ?1, ?2, ?3, ?4) ON CONFLICT (id) DO UPDATE SET "
                "create_groups = ?1, create_rule_groups = ?2, large_audience = ?3, "
                "see_attributes = ?4");
    stmt.bind(std::string(grant_name(policy.create_groups)),
              std::string(grant_name(policy.create_rule_groups)), policy.large_audience,
              std::string(visibility_name(policy.see_attributes)));
    MISSIVE_TRY_STATUS(stmt.run());
    return policy;
  });
}

}  // namespace missive::sqlite
