#include "store/sqlite/search_text.h"

#include <vector>

namespace missive::sqlite {
namespace {

std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';  // FTS5 escapes a quote inside a string by doubling it
    out += c;
  }
  return out + "\"";
}

std::string compile_term(const SearchTerm& term) {
  const PreparedTerm prepared = prepare_term(term);
  std::string out = quoted(prepared.text);
  return prepared.prefix ? out + " *" : out;
}

void compile(const SearchNode& node, std::string& out) {
  if (node.kind == SearchNode::Kind::term) {
    out += compile_term(node.term);
    return;
  }
  const char* op = node.kind == SearchNode::Kind::all_of   ? " AND "
                   : node.kind == SearchNode::Kind::any_of ? " OR "
                                                           : " NOT ";
  out += '(';
  for (std::size_t i = 0; i < node.children.size(); ++i) {
    if (i > 0) out += op;
    compile(node.children[i], out);
  }
  out += ')';
}

void collect_phrases(const SearchNode& node, bool excluded, std::vector<std::string>& out) {
  if (node.kind == SearchNode::Kind::term) {
    out.push_back(excluded ? std::string() : compile_term(node.term));
    return;
  }
  for (std::size_t i = 0; i < node.children.size(); ++i) {
    const bool right_of_not = node.kind == SearchNode::Kind::but_not && i == 1;
    collect_phrases(node.children[i], excluded || right_of_not, out);
  }
}

}  // namespace

std::vector<std::string> fts5_phrases(const SearchNode& query) {
  std::vector<std::string> out;
  collect_phrases(query, false, out);
  return out;
}

std::string fts5_match(const SearchNode& query) {
  std::string out;
  compile(query, out);
  return out;
}

}  // namespace missive::sqlite
