#include "token_source.hpp"

#include "lexer_check.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace dax::adql::detail {

namespace {
using L = dax_adql_gen::ADQLLexer;

bool is_letter(char32_t c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char32_t c) { return c >= '0' && c <= '9'; }
bool is_word(char32_t c) { return is_letter(c) || is_digit(c) || c == '_'; }
bool is_space(char32_t c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f'; }

struct keyword {
    const char* text;
    size_t type;
};
// Sorted by text for binary search.
constexpr keyword keywords[] = {
    {"ALL", L::ALL}, {"AND", L::AND}, {"AS", L::AS}, {"ASC", L::ASC}, {"BETWEEN", L::BETWEEN}, {"BY", L::BY},
    {"CASE", L::CASE}, {"CAST", L::CAST}, {"CROSS", L::CROSS}, {"DESC", L::DESC}, {"DISTINCT", L::DISTINCT},
    {"ELSE", L::ELSE}, {"END", L::END}, {"EXCEPT", L::EXCEPT}, {"EXISTS", L::EXISTS}, {"FROM", L::FROM},
    {"FULL", L::FULL}, {"GROUP", L::GROUP}, {"HAVING", L::HAVING}, {"ILIKE", L::ILIKE}, {"IN", L::IN},
    {"INNER", L::INNER}, {"INTERSECT", L::INTERSECT}, {"IS", L::IS}, {"JOIN", L::JOIN}, {"LEFT", L::LEFT},
    {"LIKE", L::LIKE}, {"NATURAL", L::NATURAL}, {"NOT", L::NOT}, {"NULL", L::NULL_}, {"OFFSET", L::OFFSET},
    {"ON", L::ON}, {"OR", L::OR}, {"ORDER", L::ORDER}, {"OUTER", L::OUTER}, {"RIGHT", L::RIGHT},
    {"SELECT", L::SELECT}, {"THEN", L::THEN}, {"TOP", L::TOP}, {"UNION", L::UNION}, {"USING", L::USING},
    {"WHEN", L::WHEN}, {"WHERE", L::WHERE}, {"WITH", L::WITH},
};

size_t word_type(const std::u32string& d, size_t b, size_t e) {
    const size_t n = e - b;
    if (n < 2 || n > 9) return L::REGULAR_ID;
    char up[10];
    for (size_t i = 0; i < n; ++i) {
        char32_t c = d[b + i];
        if (c >= 'a' && c <= 'z') c -= 32;
        up[i] = static_cast<char>(c);
    }
    const std::string_view w(up, n);
    auto it = std::lower_bound(std::begin(keywords), std::end(keywords), w,
                               [](const keyword& k, std::string_view x) { return std::string_view(k.text) < x; });
    return it != std::end(keywords) && std::string_view(it->text) == w ? it->type : static_cast<size_t>(L::REGULAR_ID);
}

size_t digits(const std::u32string& d, size_t p) {
    while (p < d.size() && is_digit(d[p])) ++p;
    return p;
}

size_t word_end(const std::u32string& d, size_t p) {
    while (p < d.size() && is_word(d[p])) ++p;
    return p;
}

// The number rules of the lexer grammar at p (a digit, or '.' before a digit): the longest
// match wins, ties go to the rule defined first (REAL_LIT, DECIMAL_LIT, INTEGER_LIT). What
// follows (a letter too) is the next token.
std::pair<size_t, size_t> number(const std::u32string& d, size_t p) {
    size_t m = p;
    bool has_point = false;
    size_t int_end = 0;
    if (d[p] == '.') {
        m = digits(d, p + 1);
        has_point = true;
    } else {
        m = int_end = digits(d, p);
        if (m < d.size() && d[m] == '.') {
            has_point = true;
            m = digits(d, m + 1);
        }
    }
    size_t e = 0;  // end of the exponent, 0 if none
    if (m < d.size() && (d[m] == 'e' || d[m] == 'E')) {
        size_t q = m + 1;
        if (q < d.size() && (d[q] == '+' || d[q] == '-')) ++q;
        if (q < d.size() && is_digit(d[q])) e = digits(d, q);
    }
    size_t best = 0, type = 0;
    auto consider = [&](size_t end, size_t t) {
        if (end > best) {
            best = end;
            type = t;
        }
    };
    if (e) consider(e, L::REAL_LIT);
    if (has_point) consider(m, L::DECIMAL_LIT);
    if (int_end) consider(int_end, L::INTEGER_LIT);
    return {best, type};
}

// A quoted token: the end after the closing quote (doubled quotes escape), or 0 if none.
// Like the generated lexer, an unterminated run falls back to the longest prefix that closes:
// in 'ab''c the token is 'ab' (the doubled quote could not be an escape).
size_t quoted(const std::u32string& d, size_t p, char32_t q) {
    size_t last_close = 0;
    for (size_t i = p + 1; i < d.size(); ++i) {
        if (d[i] == q) {
            last_close = i + 1;
            if (i + 1 < d.size() && d[i + 1] == q) {
                ++i;
                continue;
            }
            return i + 1;
        }
    }
    return last_close;
}
}  // namespace

std::unique_ptr<antlr4::Token> adql_token_source::nextToken() {
    const std::u32string& d = input_->code_points();
    auto advance = [&](size_t to) {
        for (; pos_ < to; ++pos_) {
            if (d[pos_] == '\n') {
                ++line_;
                column_ = 0;
            } else {
                ++column_;
            }
        }
    };
    // Whitespace and comments are hidden-channel tokens in the grammar: skip them here.
    for (;;) {
        if (pos_ < d.size() && is_space(d[pos_])) {
            size_t e = pos_;
            while (e < d.size() && is_space(d[e])) ++e;
            advance(e);
            continue;
        }
        if (pos_ + 1 < d.size() && d[pos_] == '-' && d[pos_ + 1] == '-') {
            size_t e = pos_;
            while (e < d.size() && d[e] != '\r' && d[e] != '\n') ++e;
            advance(e);
            continue;
        }
        break;
    }
    const size_t start = pos_, line = line_, column = column_;
    size_t type, end;
    if (pos_ >= d.size()) {
        type = antlr4::Token::EOF;
        end = pos_;
    } else {
        const char32_t c = d[pos_];
        const char32_t n = pos_ + 1 < d.size() ? d[pos_ + 1] : 0;
        end = pos_ + 1;
        if (is_letter(c) || c == '_') {
            end = word_end(d, pos_);
            type = word_type(d, pos_, end);
        } else if (is_digit(c) || (c == '.' && is_digit(n))) {
            std::tie(end, type) = number(d, pos_);
        } else if (c == '"' || c == '\'') {
            size_t q = quoted(d, pos_, c);
            type = q ? (c == '"' ? L::DELIMITED_ID : L::STRING) : L::UNEXPECTED_CHAR;
            if (q) end = q;
        } else {
            switch (c) {
            case '|': type = n == '|' ? (end = pos_ + 2, L::CONCAT) : L::UNEXPECTED_CHAR; break;
            case '!': type = n == '=' ? (end = pos_ + 2, L::NE) : L::UNEXPECTED_CHAR; break;
            case '<':
                type = n == '>' ? (end = pos_ + 2, L::NE) : n == '=' ? (end = pos_ + 2, L::LE) : L::LT;
                break;
            case '>': type = n == '=' ? (end = pos_ + 2, L::GE) : L::GT; break;
            case '=': type = L::EQ; break;
            case '+': type = L::PLUS; break;
            case '-': type = L::MINUS; break;
            case '*': type = L::STAR; break;
            case '/': type = L::SLASH; break;
            case '(': type = L::LPAREN; break;
            case ')': type = L::RPAREN; break;
            case ',': type = L::COMMA; break;
            case '.': type = L::DOT; break;
            case ';': type = L::SEMI; break;
            default: type = L::UNEXPECTED_CHAR; break;
            }
        }
    }
    auto t = std::make_unique<antlr4::CommonToken>(std::make_pair<antlr4::TokenSource*, antlr4::CharStream*>(this, input_),
                                                   type, antlr4::Token::DEFAULT_CHANNEL, start, end - 1);
    t->setLine(line);
    t->setCharPositionInLine(column);
    advance(end);
    return t;
}

namespace {
std::string describe(antlr4::Token& t) {
    return fmt::format("{}:{}@{}:{}", t.getType(), t.getType() == antlr4::Token::EOF ? "" : t.getText(), t.getLine(),
                       t.getCharPositionInLine());
}
}  // namespace

std::vector<std::string> tokens_generated(std::string_view adql) {
    antlr4::ANTLRInputStream in{std::string(adql)};
    L lexer(&in);
    lexer.removeErrorListeners();
    std::vector<std::string> out;
    for (;;) {
        auto t = lexer.nextToken();
        if (t->getChannel() != antlr4::Token::DEFAULT_CHANNEL) continue;
        out.push_back(describe(*t));
        if (t->getType() == antlr4::Token::EOF) break;
    }
    return out;
}

std::vector<std::string> tokens_fast(std::string_view adql) {
    code_point_stream in;
    in.load(std::string(adql));
    adql_token_source src(&in);
    std::vector<std::string> out;
    for (;;) {
        auto t = src.nextToken();
        out.push_back(describe(*t));
        if (t->getType() == antlr4::Token::EOF) break;
    }
    return out;
}

}  // namespace dax::adql::detail
