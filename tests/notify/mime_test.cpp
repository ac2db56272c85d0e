// The MIME encodings one by one: each output decoded again by a small decoder here, and the
// line limits checked on every line.

#include "notify/mime.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <string>
#include <vector>

namespace missive::notify::mime {
namespace {

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t end = text.find("\r\n", start);
    out.push_back(text.substr(start, end - start));
    if (end == std::string::npos) return out;
    start = end + 2;
  }
}

std::string decode_quoted_printable(const std::string& encoded) {
  std::string out;
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    if (encoded[i] != '=') {
      out += encoded[i];
    } else if (encoded.compare(i, 3, "=\r\n") == 0) {
      i += 2;
    } else {
      out += static_cast<char>(std::stoi(encoded.substr(i + 1, 2), nullptr, 16));
      i += 2;
    }
  }
  return out;
}

std::string decode_base64(const std::string& encoded) {
  std::string out(encoded.size(), '\0');
  std::size_t size = 0;
  EXPECT_EQ(sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), encoded.data(),
                              encoded.size(), "\r\n", &size, nullptr, sodium_base64_VARIANT_ORIGINAL),
            0);
  out.resize(size);
  return out;
}

TEST(Mime, LineBreaksBecomeCrlf) {
  EXPECT_EQ(normalize_line_breaks("a\nb\r\nc\rd\n\n"), "a\r\nb\r\nc\r\nd\r\n\r\n");
  EXPECT_EQ(normalize_line_breaks("no break"), "no break");
}

TEST(Mime, QuotedPrintableEscapes) {
  EXPECT_EQ(quoted_printable("a=b"), "a=3Db");
  EXPECT_EQ(quoted_printable("caf\xC3\xA9"), "caf=C3=A9");
  EXPECT_EQ(quoted_printable("tab\there"), "tab\there");
  // White space ending a line, and a dot starting one, are escaped.
  EXPECT_EQ(quoted_printable("end \nnext\t\n.dot"), "end=20\r\nnext=09\r\n=2Edot");
  EXPECT_EQ(quoted_printable("bell\x07"), "bell=07");
  EXPECT_EQ(quoted_printable(""), "");
}

TEST(Mime, QuotedPrintableWrapsLongLinesAndDecodesBack) {
  const std::vector<std::string> texts = {
      std::string(200, 'a'),
      std::string(75, 'b') + "=" + std::string(80, 'c'),
      std::string(74, 'x') + "\xC3\xA9\xC3\xA9" + std::string(100, 'y'),
      "short\n" + std::string(300, '.') + "\n\nlast line ",
      std::string(76, 'z') + " \n" + std::string(75, 'w') + ".",
  };
  for (const std::string& text : texts) {
    const std::string encoded = quoted_printable(text);
    for (const std::string& line : lines_of(encoded)) {
      EXPECT_LE(line.size(), 76u) << line;
      EXPECT_FALSE(line.starts_with('.')) << line;
      EXPECT_FALSE(line.ends_with(' ') || line.ends_with('\t')) << line;
    }
    EXPECT_EQ(decode_quoted_printable(encoded), normalize_line_breaks(text));
  }
}

TEST(Mime, Base64LinesOf76) {
  std::string data;
  for (int i = 0; i < 300; ++i) data += static_cast<char>(i);
  const std::string encoded = base64_lines(data);
  const auto lines = lines_of(encoded);
  ASSERT_EQ(lines.size(), 6u);  // 400 characters
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) EXPECT_EQ(lines[i].size(), 76u);
  EXPECT_FALSE(encoded.ends_with("\r\n"));
  EXPECT_EQ(decode_base64(encoded), data);
  EXPECT_EQ(base64_lines(""), "");
}

TEST(Mime, EncodedWords) {
  EXPECT_EQ(encoded_words("hello"), std::vector<std::string>{"=?UTF-8?B?aGVsbG8=?="});
  EXPECT_TRUE(encoded_words("").empty());
  // Long text of 2- and 3-byte characters: words within the limit, no character split.
  std::string text;
  for (int i = 0; i < 40; ++i) text += "\xC3\xA9\xE2\x82\xAC x";  // "é€ x"
  const auto words = encoded_words(text, 40);
  ASSERT_GT(words.size(), 1u);
  std::string joined;
  for (const std::string& word : words) {
    EXPECT_LE(word.size(), 40u);
    ASSERT_TRUE(word.starts_with("=?UTF-8?B?") && word.ends_with("?=")) << word;
    const std::string decoded = decode_base64(word.substr(10, word.size() - 12));
    EXPECT_NE(static_cast<unsigned char>(decoded.front()) & 0xC0, 0x80u) << "a word starts inside a character";
    joined += decoded;
  }
  EXPECT_EQ(joined, text);
}

TEST(Mime, Rfc5322Date) {
  EXPECT_EQ(rfc5322_date(0), "Thu, 01 Jan 1970 00:00:00 +0000");
  EXPECT_EQ(rfc5322_date(1'614'265'330'999), "Thu, 25 Feb 2021 15:02:10 +0000");
  EXPECT_EQ(rfc5322_date(951'782'400'000), "Tue, 29 Feb 2000 00:00:00 +0000");
}

TEST(Mime, FoldHeaderKeepsLinesShort) {
  std::vector<std::string> tokens(10, std::string(20, 't'));
  const std::string header = fold_header("Subject", tokens);
  ASSERT_TRUE(header.ends_with("\r\n"));
  const auto lines = lines_of(header.substr(0, header.size() - 2));
  EXPECT_GT(lines.size(), 1u);
  EXPECT_TRUE(lines[0].starts_with("Subject: "));
  for (std::size_t i = 0; i < lines.size(); ++i) {
    EXPECT_LE(lines[i].size(), kMaxLine);
    if (i > 0) {
      EXPECT_TRUE(lines[i].starts_with(' '));
    }
  }
  EXPECT_EQ(fold_header("Date", {"now"}), "Date: now\r\n");
}

}  // namespace
}  // namespace missive::notify::mime
