// RFC 4180 CSV -> typed cells. Records may span lines inside quotes; CRLF and LF both end lines.
#include <dax/votable/csv_reader.hpp>
#include <dax/ascii.hpp>

#include "cell_codec.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fmt/format.h>
#include <limits>

namespace dax::votable {

namespace {

class csv_reader_impl final : public csv_reader {
public:
    csv_reader_impl(std::string_view text, std::span<const field> schema, char sep)
        : text_(text), schema_(schema.begin(), schema.end()), sep_(sep) {
        for (const auto& f : schema_) plans_.push_back(detail::plan_for(f));
    }

    void read_header() {
        std::vector<std::string> names;
        if (!record(names)) throw error("CSV: no header line");
        for (const auto& n : names) {
            auto it = std::find_if(schema_.begin(), schema_.end(), [&](const field& f) { return ascii_iequals(f.name, n); });
            if (it == schema_.end()) throw error(fmt::format("CSV line 1: column '{}' is not in the table", n));
            const size_t idx = static_cast<size_t>(it - schema_.begin());
            if (std::find(map_.begin(), map_.end(), idx) != map_.end())
                throw error(fmt::format("CSV line 1: column '{}' appears twice", n));
            map_.push_back(idx);
        }
    }

    bool next() override {
        std::vector<std::string> fields;
        for (;;) {
            if (!record(fields)) return false;
            if (!(fields.size() == 1 && fields[0].empty())) break;  // skip blank lines
        }
        if (fields.size() != map_.size())
            throw error(fmt::format("CSV line {}: {} fields for {} columns", line_, fields.size(), map_.size()));
        cells_.assign(schema_.size(), cell::none());
        text_store_.resize(schema_.size());
        array_store_.resize(schema_.size());
        for (size_t k = 0; k < fields.size(); ++k) convert(map_[k], fields[k]);
        return true;
    }

    std::span<const cell> row() const override { return cells_; }
    std::size_t line() const override { return line_; }

private:
    // One record into `out`; false at the end of the text.
    bool record(std::vector<std::string>& out) {
        out.clear();
        if (pos_ >= text_.size()) return false;
        line_ = next_line_;
        std::string cur;
        bool quoted = false, was_quoted = false;
        while (pos_ < text_.size()) {
            const char c = text_[pos_++];
            if (quoted) {
                if (c == '"') {
                    if (pos_ < text_.size() && text_[pos_] == '"') {
                        cur.push_back('"');
                        ++pos_;
                    } else {
                        quoted = false;
                    }
                } else {
                    if (c == '\n') ++next_line_;
                    cur.push_back(c);
                }
                continue;
            }
            if (c == '"') {
                if (!cur.empty()) throw error(fmt::format("CSV line {}: a quote inside an unquoted field", next_line_));
                quoted = was_quoted = true;
            } else if (c == sep_) {
                out.push_back(std::move(cur));
                cur.clear();
                was_quoted = false;
            } else if (c == '\r' && pos_ < text_.size() && text_[pos_] == '\n') {
                continue;
            } else if (c == '\n') {
                ++next_line_;
                out.push_back(std::move(cur));
                return true;
            } else {
                if (was_quoted) throw error(fmt::format("CSV line {}: text after a closing quote", next_line_));
                cur.push_back(c);
            }
        }
        if (quoted) throw error(fmt::format("CSV line {}: unterminated quoted field", line_));
        out.push_back(std::move(cur));
        return true;
    }

    [[noreturn]] void bad(size_t col, std::string_view v) {
        throw error(fmt::format("CSV line {}, column '{}': bad {} value '{}'", line_, schema_[col].name,
                                datatype_name(schema_[col].type), v.substr(0, 40)));
    }

    template <class T>
    T number(size_t col, std::string_view s) {
        while (!s.empty() && s.front() == ' ') s.remove_prefix(1);
        while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
        const auto v = detail::number_of<T>(s, false);
        if (!v) bad(col, s);
        return *v;
    }

    void convert(size_t col, const std::string& v) {
        const auto& p = plans_[col];
        cell& c = cells_[col];
        if (p.text) {
            if (v.empty()) return;
            text_store_[col] = v;
            c = cell::text(text_store_[col]);
            return;
        }
        if (v.empty()) return;  // null
        if (!p.array) {
            switch (p.type) {
            case datatype::boolean: {
                const auto b = detail::boolean_of(v);
                if (!b) bad(col, v);
                c = cell::boolean(*b);
                return;
            }
            case datatype::float_: case datatype::double_: c = cell::real(number<double>(col, v)); return;
            case datatype::float_complex: case datatype::double_complex: {
                const auto sp = v.find(' ');
                if (sp == std::string::npos) bad(col, v);
                c = cell::complex(number<double>(col, std::string_view(v).substr(0, sp)), number<double>(col, std::string_view(v).substr(sp + 1)));
                return;
            }
            default: {
                const std::int64_t x = number<std::int64_t>(col, v);
                if ((p.type == datatype::short_ && (x < INT16_MIN || x > INT16_MAX)) ||
                    (p.type == datatype::int_ && (x < INT32_MIN || x > INT32_MAX)) ||
                    (p.type == datatype::unsigned_byte && (x < 0 || x > 255)) || (p.type == datatype::bit && (x < 0 || x > 1)))
                    bad(col, v);
                c = cell::integer(x);
                return;
            }
            }
        }
        // Arrays: space-separated values; bits may be packed ("0110") as in TABLEDATA.
        auto& a = array_store_[col];
        a.clear();
        size_t n = 0;
        if (p.type == datatype::bit) {
            for (char ch : v) {
                if (ch == ' ') continue;
                if (ch != '0' && ch != '1') bad(col, v);
                a.push_back(static_cast<unsigned char>(ch == '1'));
                ++n;
            }
            return array_cell(col, p, a, n, c);
        }
        std::string_view rest = v;
        while (!rest.empty()) {
            while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
            if (rest.empty()) break;
            const auto sp = rest.find(' ');
            const std::string_view w = rest.substr(0, sp);
            rest = sp == std::string_view::npos ? std::string_view() : rest.substr(sp);
            auto put = [&](auto x) {
                const auto* b = reinterpret_cast<const unsigned char*>(&x);
                a.insert(a.end(), b, b + sizeof x);
            };
            switch (p.type) {
            case datatype::boolean: put(static_cast<char>(std::toupper(static_cast<unsigned char>(w[0])))); break;
            case datatype::bit: case datatype::unsigned_byte: put(static_cast<unsigned char>(number<std::int64_t>(col, w))); break;
            case datatype::short_: put(static_cast<std::int16_t>(number<std::int64_t>(col, w))); break;
            case datatype::int_: put(static_cast<std::int32_t>(number<std::int64_t>(col, w))); break;
            case datatype::long_: put(number<std::int64_t>(col, w)); break;
            case datatype::float_: case datatype::float_complex: put(static_cast<float>(number<double>(col, w))); break;
            default: put(number<double>(col, w)); break;
            }
            ++n;
        }
        const size_t per = p.type == datatype::float_complex || p.type == datatype::double_complex ? 2 : 1;
        if (n % per) bad(col, v);
        n /= per;
        array_cell(col, p, a, n, c);
    }

    // An array of n elements as a cell, once its count fits the column's arraysize.
    void array_cell(size_t col, const detail::field_plan& p, const std::vector<unsigned char>& a, size_t n, cell& c) const {
        if ((!p.shape.variable && n != static_cast<size_t>(p.fixed)) || (p.shape.variable && p.bound && n > static_cast<size_t>(p.bound)))
            throw error(fmt::format("CSV line {}, column '{}': {} elements for arraysize {}", line_, schema_[col].name, n,
                                    schema_[col].arraysize));
        c = cell{};
        c.data = a.data();
        c.count = n;
    }

    std::string_view text_;
    std::vector<field> schema_;
    std::vector<detail::field_plan> plans_;
    char sep_;
    std::vector<size_t> map_;
    std::vector<cell> cells_;
    std::vector<std::string> text_store_;
    std::vector<std::vector<unsigned char>> array_store_;
    size_t pos_ = 0;
    size_t line_ = 1, next_line_ = 1;
};

}  // namespace

result<std::unique_ptr<csv_reader>> open_csv_reader(std::string_view text, std::span<const field> schema, char separator) {
    return capture([&]() -> std::unique_ptr<csv_reader> {
        auto r = std::make_unique<csv_reader_impl>(text, schema, separator);
        r->read_header();
        return r;
    });
}

}  // namespace dax::votable
