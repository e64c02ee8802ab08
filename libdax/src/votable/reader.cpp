// VOTable reader on libxml2's streaming xmlTextReader. Defences: no network (XML_PARSE_NONET),
// no entity substitution and no DTD at all (a DOCTYPE is refused, so no "billion laughs" and no
// external entities), limits on size, depth, attribute length, fields, rows and cell size.
#include <dax/votable/reader.hpp>
#include <dax/ascii.hpp>

#include "base64.hpp"
#include "binary_decoder.hpp"
#include "cell_codec.hpp"

#include <libxml/xmlreader.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <fmt/format.h>

namespace dax::votable {

namespace {

using detail::field_plan;

struct xml_reader_deleter {
    void operator()(xmlTextReader* r) const { xmlFreeTextReader(r); }
};

// Silences libxml2's default printing of errors to stderr: our messages say what failed.
void quiet(void*, xmlErrorPtr) {}

std::string xml_string(xmlChar* s) {
    std::string out = s ? reinterpret_cast<const char*>(s) : "";
    xmlFree(s);
    return out;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
    return s;
}

class xml_reader final : public reader {
public:
    xml_reader(std::string_view doc, reader_limits limits) : doc_(doc), limits_(limits) {}

    void open() {
        if (doc_.size() > limits_.max_document_bytes)
            throw error(fmt::format("document of {} bytes exceeds the limit of {} bytes", doc_.size(), limits_.max_document_bytes));
        if (trim(doc_).empty()) throw error("not a VOTable: the document is empty");
        xmlSetStructuredErrorFunc(nullptr, quiet);
        r_.reset(xmlReaderForMemory(doc_.data(), static_cast<int>(doc_.size()), nullptr, nullptr,
                                    XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_NOWARNING | XML_PARSE_NOERROR | XML_PARSE_HUGE));
        if (!r_) throw error("cannot start the XML parser");
        // Header: the root, the first TABLE's FIELDs, up to the DATA serialization.
        bool root = false;
        while (read()) {
            const int type = xmlTextReaderNodeType(r_.get());
            if (type != XML_READER_TYPE_ELEMENT) {
                if (type == XML_READER_TYPE_END_ELEMENT && name() == "TABLE" && in_table_) {
                    empty_ = true;  // a TABLE without DATA: no rows (VOTable 1.4 section 7)
                    break;
                }
                continue;
            }
            const std::string n = name();
            if (!root) {
                if (n != "VOTABLE") throw error(fmt::format("not a VOTable: the root element is <{}>", n));
                root = true;
                continue;
            }
            if (n == "INFO" && !in_table_) {
                infos_.push_back({attribute("name"), attribute("value")});
            } else if (n == "TABLE") {
                in_table_ = true;
            } else if (n == "FIELD" && in_table_) {
                add_field();
            } else if (n == "TABLEDATA" && in_table_) {
                mode_ = mode::tabledata;
                break;
            } else if ((n == "BINARY" || n == "BINARY2") && in_table_) {
                mode_ = n == "BINARY" ? mode::binary : mode::binary2;
                read_stream();
                break;
            } else if (n == "FITS" && in_table_) {
                throw error("FITS serialization inside a VOTable is not supported: use TABLEDATA, BINARY or BINARY2");
            }
        }
        if (!root) throw error("not a VOTable: empty or not XML");
        if (!in_table_) throw error("the VOTable has no TABLE");
        if (fields_.empty()) throw error("the TABLE has no FIELD");
        if (mode_ == mode::none && !empty_) throw error("the TABLE has no DATA");
    }

    const std::vector<field>& fields() const override { return fields_; }
    const std::vector<std::pair<std::string, std::string>>& infos() const override { return infos_; }
    std::span<const cell> row() const override { return cells_; }
    std::uint64_t rows_read() const override { return rows_; }

    bool next() override {
        if (done_ || empty_) return false;
        bool got = mode_ == mode::tabledata ? next_tr() : next_binary();
        if (!got) {
            done_ = true;
            finish_document();
            return false;
        }
        if (++rows_ > limits_.max_rows) throw error(fmt::format("more than {} rows", limits_.max_rows));
        return true;
    }

private:
    enum class mode { none, tabledata, binary, binary2 };

    bool read() {
        const int rc = xmlTextReaderRead(r_.get());
        if (rc < 0) xml_error();
        if (rc == 0) return false;
        if (xmlTextReaderNodeType(r_.get()) == XML_READER_TYPE_DOCUMENT_TYPE)
            throw error("a DOCTYPE is not allowed in a VOTable (no DTDs or entities are read)");
        if (xmlTextReaderNodeType(r_.get()) == XML_READER_TYPE_ENTITY_REFERENCE)
            throw error("entity references are not allowed in a VOTable");
        if (xmlTextReaderDepth(r_.get()) > limits_.max_depth)
            throw error(fmt::format("elements nested deeper than {} levels", limits_.max_depth));
        const int type = xmlTextReaderNodeType(r_.get());
        if (type == XML_READER_TYPE_ELEMENT && !xmlTextReaderIsEmptyElement(r_.get())) {
            const xmlChar* q = xmlTextReaderConstName(r_.get());
            open_.push_back(q ? reinterpret_cast<const char*>(q) : "");
        } else if (type == XML_READER_TYPE_END_ELEMENT && !open_.empty()) {
            open_.pop_back();
        }
        return true;
    }

    [[noreturn]] void xml_error() {
        const xmlError* e = xmlGetLastError();
        std::string m = e && e->message ? e->message : "malformed XML";
        while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
        if (e && e->line > 0) throw error(fmt::format("malformed XML at line {}: {}", e->line, m));
        throw error("malformed XML: " + m);
    }

    std::string name() const {
        const xmlChar* n = xmlTextReaderConstLocalName(r_.get());
        return n ? reinterpret_cast<const char*>(n) : "";
    }

    std::string attribute(const char* a) {
        std::string v = xml_string(xmlTextReaderGetAttribute(r_.get(), reinterpret_cast<const xmlChar*>(a)));
        if (v.size() > limits_.max_attribute_bytes)
            throw error(fmt::format("attribute {} longer than {} bytes", a, limits_.max_attribute_bytes));
        return v;
    }

    void add_field() {
        if (fields_.size() >= limits_.max_fields) throw error(fmt::format("more than {} FIELDs", limits_.max_fields));
        field f;
        f.name = attribute("name");
        if (f.name.empty()) throw error(fmt::format("FIELD {} has no name", fields_.size() + 1));
        const std::string dt = attribute("datatype");
        auto t = datatype_from_name(dt);
        if (!t) throw error(fmt::format("FIELD '{}' has an unknown datatype '{}'", f.name, dt));
        f.type = *t;
        f.arraysize = attribute("arraysize");
        try {
            plans_.push_back(detail::plan_for(f));
        } catch (const error& e) {
            throw error(fmt::format("FIELD '{}': {}", f.name, e.what()));
        }
        f.id = attribute("ID");
        f.unit = attribute("unit");
        f.ucd = attribute("ucd");
        f.utype = attribute("utype");
        f.xtype = attribute("xtype");
        fields_.push_back(std::move(f));
        // VALUES null and DESCRIPTION are children of FIELD.
        if (xmlTextReaderIsEmptyElement(r_.get())) return;
        const int depth = xmlTextReaderDepth(r_.get());
        while (read()) {
            const int type = xmlTextReaderNodeType(r_.get());
            if (type == XML_READER_TYPE_END_ELEMENT && xmlTextReaderDepth(r_.get()) == depth) break;
            if (type != XML_READER_TYPE_ELEMENT) continue;
            const std::string n = name();
            if (n == "VALUES") {
                const std::string nv = attribute("null");
                if (!nv.empty()) {
                    std::int64_t v;
                    auto [p, ec] = std::from_chars(nv.data(), nv.data() + nv.size(), v);
                    if (ec == std::errc() && p == nv.data() + nv.size()) {
                        fields_.back().null_value = v;
                        plans_.back().null_value = v;
                    }
                }
            } else if (n == "DESCRIPTION") {
                fields_.back().description = xml_string(xmlTextReaderReadString(r_.get()));
            }
        }
    }

    void read_stream() {
        const std::string ser = name();
        while (read()) {
            const int type = xmlTextReaderNodeType(r_.get());
            if (type == XML_READER_TYPE_ELEMENT && name() == "STREAM") break;
            if (type == XML_READER_TYPE_END_ELEMENT) throw error(fmt::format("{} without a STREAM", ser));
        }
        if (!attribute("href").empty()) throw error("STREAM href (data outside the document) is not read");
        const std::string enc = attribute("encoding");
        if (enc != "base64") throw error(fmt::format("STREAM encoding '{}' is not supported: use base64", enc));
        if (xmlTextReaderIsEmptyElement(r_.get())) {
            stream_ = {};
            tail_reader("");
            return;
        }
        // The base64 text is decoded straight from the document, a chunk at a time, instead of
        // through libxml2 (which would copy a stream of any size into one text node). libxml2
        // has parsed the start tag; the text runs from its end to "</STREAM>".
        const long consumed = xmlTextReaderByteConsumed(r_.get());
        size_t tag = consumed < 0 ? std::string_view::npos : doc_.rfind("<STREAM", static_cast<size_t>(consumed));
        const std::string qname = open_.empty() ? "STREAM" : open_.back();
        if (qname != "STREAM") tag = doc_.rfind("<" + qname, consumed < 0 ? std::string_view::npos : static_cast<size_t>(consumed));
        if (tag == std::string_view::npos) throw error("cannot locate the STREAM text");
        size_t i = tag + 1;
        char quote = 0;
        for (; i < doc_.size(); ++i) {
            const char c = doc_[i];
            if (quote) {
                if (c == quote) quote = 0;
            } else if (c == '"' || c == '\'') {
                quote = c;
            } else if (c == '>') {
                break;
            }
        }
        const size_t text_begin = i + 1;
        const size_t text_end = doc_.find('<', text_begin);
        if (text_end == std::string_view::npos) throw error("the document ends inside STREAM");
        if (doc_.compare(text_end, 2 + qname.size(), "</" + qname) != 0)
            throw error("unexpected markup inside STREAM");
        stream_ = doc_.substr(text_begin, text_end - text_begin);
        if (stream_.find('&') != std::string_view::npos) throw error("character references inside a STREAM are not supported");
        // The rest of the document is read by a second parser on the tail, behind the elements
        // that are open here.
        tail_reader(doc_.substr(text_end));
    }

    void tail_reader(std::string_view rest) {
        std::string prefix;
        std::vector<std::string> prefixes;
        for (const auto& n : open_) {
            const auto colon = n.find(':');
            if (colon != std::string::npos) prefixes.push_back(n.substr(0, colon));
        }
        for (size_t k = 0; k < open_.size(); ++k) {
            prefix += "<" + open_[k];
            if (k == 0)
                for (const auto& px : prefixes) prefix += " xmlns:" + px + "=\"urn:dax\"";
            prefix += ">";
        }
        tail_ = prefix + std::string(rest.empty() ? std::string_view() : rest);
        if (rest.empty()) {
            // Empty STREAM element: the reader stands on it; close it like the document does.
            tail_.clear();
            return;
        }
        open_.clear();
        r_.reset(xmlReaderForMemory(tail_.data(), static_cast<int>(tail_.size()), nullptr, nullptr,
                                    XML_PARSE_NONET | XML_PARSE_NOCDATA | XML_PARSE_NOWARNING | XML_PARSE_NOERROR));
        if (!r_) throw error("cannot start the XML parser");
    }

    // Decodes more of the base64 stream into bytes_ (keeping undecoded row bytes); false at its end.
    bool refill() {
        if (stream_pos_ >= stream_.size()) return false;
        bytes_.erase(0, pos_);
        pos_ = 0;
        const size_t chunk = std::min<size_t>(1 << 18, stream_.size() - stream_pos_);
        std::string err;
        if (!b64_.feed(stream_.substr(stream_pos_, chunk), bytes_, err)) throw error("STREAM: " + err);
        stream_pos_ += chunk;
        if (stream_pos_ >= stream_.size() && !b64_.finish(err)) throw error("STREAM: " + err);
        return true;
    }

    bool next_binary() {
        for (;;) {
            if (pos_ == bytes_.size()) {  // nothing decoded yet (a stream of only whitespace: no row)
                if (!refill()) return false;
                continue;
            }
            const auto* b = reinterpret_cast<const unsigned char*>(bytes_.data());
            const unsigned char* p = detail::decode_binary_row(b + pos_, b + bytes_.size(), plans_, mode_ == mode::binary2,
                                                               cells_, store_, limits_.max_cell_bytes);
            if (p) {
                pos_ = static_cast<size_t>(p - b);
                return true;
            }
            if (!refill()) throw error(fmt::format("BINARY stream ends inside row {}", rows_ + 1));
        }
    }

    bool next_tr() {
        // Up to the next TR, or the end of TABLEDATA.
        for (;;) {
            if (!read()) throw error("the document ends inside TABLEDATA");
            const int type = xmlTextReaderNodeType(r_.get());
            if (type == XML_READER_TYPE_END_ELEMENT && name() == "TABLEDATA") return false;
            if (type == XML_READER_TYPE_ELEMENT) {
                if (name() != "TR") throw error(fmt::format("unexpected <{}> in TABLEDATA", name()));
                break;
            }
        }
        const size_t nf = fields_.size();
        cells_.assign(nf, cell::none());
        store_.text.resize(nf);
        store_.array.resize(nf);
        size_t td = 0;
        if (xmlTextReaderIsEmptyElement(r_.get())) throw error(fmt::format("row {} has no cells", rows_ + 1));
        const int depth = xmlTextReaderDepth(r_.get());
        while (read()) {
            const int type = xmlTextReaderNodeType(r_.get());
            if (type == XML_READER_TYPE_END_ELEMENT && xmlTextReaderDepth(r_.get()) == depth) break;
            if (type != XML_READER_TYPE_ELEMENT) continue;
            if (name() != "TD") throw error(fmt::format("unexpected <{}> in a TR", name()));
            if (td >= nf) throw error(fmt::format("row {} has more cells than the {} FIELDs", rows_ + 1, nf));
            std::string text;
            if (!xmlTextReaderIsEmptyElement(r_.get())) {
                text = xml_string(xmlTextReaderReadString(r_.get()));
                if (text.size() > limits_.max_cell_bytes) throw error(fmt::format("a cell exceeds {} bytes", limits_.max_cell_bytes));
            }
            parse_td(td, text);
            ++td;
        }
        if (td != nf) throw error(fmt::format("row {} has {} cells for {} FIELDs", rows_ + 1, td, nf));
        return true;
    }

    [[noreturn]] void bad_value(size_t col, std::string_view text) {
        throw error(fmt::format("row {}, column '{}': bad {} value '{}'", rows_ + 1, fields_[col].name,
                                datatype_name(fields_[col].type), text.substr(0, 40)));
    }

    template <class T>
    T number(size_t col, std::string_view s) {
        s = trim(s);
        const auto v = detail::number_of<T>(s, true);
        if (!v) bad_value(col, s);
        return *v;
    }

    std::vector<std::string_view> words(std::string_view s) {
        std::vector<std::string_view> w;
        size_t i = 0;
        while (i < s.size()) {
            while (i < s.size() && is_space(s[i])) ++i;
            size_t j = i;
            while (j < s.size() && !is_space(s[j])) ++j;
            if (j > i) w.push_back(s.substr(i, j - i));
            i = j;
        }
        return w;
    }

    void parse_td_scalar(size_t col, const field_plan& p, std::string_view t, cell& c) {
        switch (p.type) {
        case datatype::boolean: {
            if (const auto b = detail::boolean_of(t)) c = cell::boolean(*b);
            else if (t != "?") bad_value(col, t);
            return;
        }
        case datatype::bit:
            if (t != "0" && t != "1") bad_value(col, t);
            c = cell::integer(t == "1");
            return;
        case datatype::float_: case datatype::double_: {
            c = cell::real(number<double>(col, t));
            return;
        }
        case datatype::float_complex: case datatype::double_complex: {
            auto w = words(t);
            if (w.size() != 2) bad_value(col, t);
            c = cell::complex(number<double>(col, w[0]), number<double>(col, w[1]));
            return;
        }
        default: {
            const std::int64_t v = number<std::int64_t>(col, t);
            if (p.type == datatype::unsigned_byte && (v < 0 || v > 255)) bad_value(col, t);
            if (p.type == datatype::short_ && (v < -32768 || v > 32767)) bad_value(col, t);
            if (p.type == datatype::int_ && (v < INT32_MIN || v > INT32_MAX)) bad_value(col, t);
            c = cell::integer(v);
            if (p.null_value && v == *p.null_value) c.null = true;
            return;
        }
        }
    }

    void parse_td(size_t col, const std::string& text) {
        const field_plan& p = plans_[col];
        cell& c = cells_[col];
        if (p.text) {
            store_.text[col] = text;
            c = cell::text(store_.text[col]);
            if (text.empty()) c.null = true;
            return;
        }
        const std::string_view t = trim(text);
        if (t.empty()) return;  // null
        if (!p.array) return parse_td_scalar(col, p, t, c);
        // Arrays: whitespace-separated values (bits may be packed: "0101").
        std::vector<std::string_view> w;
        if (p.type == datatype::bit) {
            for (char ch : t)
                if (!is_space(ch)) w.push_back(ch == '0' ? "0" : ch == '1' ? "1" : "x");
        } else {
            w = words(t);
        }
        const size_t per = p.type == datatype::float_complex || p.type == datatype::double_complex ? 2 : 1;
        if (w.size() % per) bad_value(col, t);
        const size_t n = w.size() / per;
        if (!p.shape.variable && n != static_cast<size_t>(p.fixed))
            throw error(fmt::format("row {}, column '{}': {} elements for arraysize {} (wrong arraysize)", rows_ + 1,
                                    fields_[col].name, n, fields_[col].arraysize));
        if (p.shape.variable && p.bound && n > static_cast<size_t>(p.bound))
            throw error(fmt::format("row {}, column '{}': {} elements for arraysize {} (wrong arraysize)", rows_ + 1,
                                    fields_[col].name, n, fields_[col].arraysize));
        auto& a = store_.array[col];
        auto put = [&](auto v) {
            const auto* b = reinterpret_cast<const unsigned char*>(&v);
            a.insert(a.end(), b, b + sizeof v);
        };
        a.clear();
        for (size_t k = 0; k < w.size(); ++k) {
            switch (p.type) {
            case datatype::boolean: {
                const char ch = w[k].empty() ? '?' : static_cast<char>(std::toupper(static_cast<unsigned char>(w[k][0])));
                put(static_cast<char>(ch == '1' ? 'T' : ch == '0' ? 'F' : ch));
                break;
            }
            case datatype::bit:
                if (w[k] == "x") bad_value(col, t);
                put(static_cast<unsigned char>(w[k] == "1"));
                break;
            case datatype::unsigned_byte: put(static_cast<unsigned char>(number<std::int64_t>(col, w[k]))); break;
            case datatype::short_: put(static_cast<std::int16_t>(number<std::int64_t>(col, w[k]))); break;
            case datatype::int_: put(static_cast<std::int32_t>(number<std::int64_t>(col, w[k]))); break;
            case datatype::long_: put(number<std::int64_t>(col, w[k])); break;
            case datatype::float_: case datatype::float_complex: put(static_cast<float>(number<double>(col, w[k]))); break;
            default: put(number<double>(col, w[k])); break;
            }
        }
        c = cell{};
        c.data = a.data();
        c.count = n;
        if (!p.shape.variable && detail::all_null(p, a, n)) c.null = true;
    }

    void finish_document() {
        // Trailing INFOs (OVERFLOW / ERROR after the table) are read; the rest is checked.
        if (mode_ != mode::tabledata && tail_.empty()) return;
        while (read()) {
            if (xmlTextReaderNodeType(r_.get()) == XML_READER_TYPE_ELEMENT && name() == "INFO")
                infos_.push_back({attribute("name"), attribute("value")});
        }
    }

    std::string_view doc_;
    reader_limits limits_;
    std::unique_ptr<xmlTextReader, xml_reader_deleter> r_;
    std::vector<field> fields_;
    std::vector<field_plan> plans_;
    std::vector<std::pair<std::string, std::string>> infos_;
    std::vector<cell> cells_;
    detail::cell_storage store_;
    std::string bytes_;
    size_t pos_ = 0;
    std::string_view stream_;
    size_t stream_pos_ = 0;
    detail::base64_decoder b64_;
    std::string tail_;
    std::vector<std::string> open_;
    mode mode_ = mode::none;
    bool in_table_ = false;
    bool done_ = false;
    bool empty_ = false;  // the TABLE has no DATA: zero rows
    std::uint64_t rows_ = 0;
};

}  // namespace

result<std::unique_ptr<reader>> open_reader(std::string_view document, reader_limits limits) {
    return capture([&]() -> std::unique_ptr<reader> {
        auto r = std::make_unique<xml_reader>(document, limits);
        r->open();
        return r;
    });
}

}  // namespace dax::votable
