// The VOTable 1.4 result document (DALI 1.1 section 4.4): RESOURCE type="results" with
// INFO QUERY_STATUS before the TABLE, an OVERFLOW or ERROR INFO after it when needed.
#include <dax/votable/writer.hpp>

#include "base64.hpp"
#include "cell_codec.hpp"
#include "output_buffer.hpp"

#include <chrono>
#include <ctime>
#include <fmt/format.h>

namespace dax::votable {

namespace {

using detail::field_plan;
using detail::output_buffer;

constexpr std::string_view header =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<VOTABLE version=\"1.4\" xmlns=\"http://www.ivoa.net/xml/VOTable/v1.3\"\n"
    "  xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"\n"
    "  xsi:schemaLocation=\"http://www.ivoa.net/xml/VOTable/v1.3 http://www.ivoa.net/xml/VOTable/v1.3\">\n";

std::string utc_now() {
    std::time_t t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm tm{};
    gmtime_r(&t, &tm);
    char b[32];
    std::strftime(b, sizeof b, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return b;
}

bool xml_name_char(char c, bool first) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') return true;
    return !first && ((c >= '0' && c <= '9') || c == '-' || c == '.');
}

void check_id(std::string_view id) {
    if (id.empty()) return;
    for (size_t i = 0; i < id.size(); ++i)
        if (!xml_name_char(id[i], i == 0)) throw error(fmt::format("FIELD ID '{}' is not a valid XML ID", id));
}

void attr(output_buffer& out, std::string_view name, std::string_view value) {
    if (value.empty()) return;
    out.put(' ');
    out.put(name);
    out.put("=\"");
    out.put(xml_escape(value));
    out.put('"');
}

class votable_writer final : public table_writer {
public:
    votable_writer(sink& s, serialization ser, result_info info) : out_(s), ser_(ser), info_(std::move(info)) {}

    void begin(std::span<const field> fields) override {
        if (state_ != state::fresh) throw error("table_writer::begin called twice");
        if (fields.empty()) throw error("a table needs at least one column");
        plans_.clear();
        declared_.clear();
        for (const auto& f : fields) {
            if (f.name.empty()) throw error("a column needs a name");
            check_id(f.id);
            plans_.push_back(detail::plan_for(f));
            auto& p = plans_.back();
            const bool integer = f.type == datatype::unsigned_byte || f.type == datatype::short_ ||
                                 f.type == datatype::int_ || f.type == datatype::long_;
            // Integers have no null of their own: a magic value is declared (VALUES null) where
            // the serialization has no other way to say null: BINARY scalars, and fixed-size
            // arrays outside BINARY2 (an empty TD is not a valid fixed-size array).
            const bool fixed_array = p.array && !p.shape.variable;
            p.magic_null = integer && !f.null_value &&
                           ((ser_ == serialization::binary && !p.array) || (fixed_array && ser_ != serialization::binary2));
            if (p.magic_null) p.null_value = detail::default_null(f.type);
            // Readers disagree on the count of multi-dimensional variable arrays (STILTS: elements,
            // astropy 5: rows of the fixed dimensions) and astropy reads char "n*" as fixed: in
            // binary streams such columns are declared flat "*", which both read the same way.
            std::string declared = f.arraysize;
            if (ser_ != serialization::tabledata && p.shape.variable && (p.shape.dims.size() > 1 || (p.text && p.bound)))
                declared = "*";
            declared_.push_back(declared);
        }
        out_.put(header);
        out_.put("<RESOURCE type=\"results\">\n<INFO name=\"QUERY_STATUS\" value=\"OK\"/>\n");
        info_line("REQUEST_DATE", info_.request_date.empty() ? utc_now() : info_.request_date);
        if (!info_.query.empty()) info_line("QUERY", info_.query);
        if (!info_.service.empty()) info_line("SERVICE", info_.service);
        for (const auto& [k, v] : info_.infos) info_line(k, v);
        out_.put("<TABLE");
        attr(out_, "name", info_.table_name);
        out_.put(">\n");
        for (size_t i = 0; i < fields.size(); ++i) write_field(fields[i], i);
        out_.put("<DATA>");
        switch (ser_) {
        case serialization::tabledata: out_.put("<TABLEDATA>\n"); break;
        case serialization::binary: out_.put("<BINARY>\n<STREAM encoding=\"base64\">\n"); break;
        case serialization::binary2: out_.put("<BINARY2>\n<STREAM encoding=\"base64\">\n"); break;
        }
        state_ = state::rows;
    }

    void row(std::span<const cell> cells) override {
        if (state_ != state::rows) throw error("table_writer::row called outside begin/finish");
        if (cells.size() != plans_.size())
            throw error(fmt::format("a row has {} cells for {} columns", cells.size(), plans_.size()));
        if (ser_ == serialization::tabledata) {
            out_.put("<TR>");
            for (size_t i = 0; i < cells.size(); ++i) {
                if (cells[i].null) {
                    const auto& p = plans_[i];
                    const bool floating = p.type == datatype::float_ || p.type == datatype::double_ ||
                                          p.type == datatype::float_complex || p.type == datatype::double_complex;
                    // Fixed-size arrays and floating-point values are written whole as NaN
                    // (or '?', or the declared null): validators read an empty cell as a bad value.
                    if ((p.array && !p.text && !p.shape.variable) || (!p.array && floating)) {
                        out_.put("<TD>");
                        detail::tabledata_null_array(out_, plans_[i]);
                        out_.put("</TD>");
                    } else {
                        out_.put("<TD/>");
                    }
                    continue;
                }
                out_.put("<TD>");
                detail::tabledata_cell(out_, plans_[i], cells[i]);
                out_.put("</TD>");
            }
            out_.put("</TR>\n");
        } else {
            row_.clear();
            if (ser_ == serialization::binary2) {
                const size_t flag_bytes = (cells.size() + 7) / 8;
                row_.assign(flag_bytes, '\0');
                for (size_t i = 0; i < cells.size(); ++i)
                    if (cells[i].null) row_[i / 8] = static_cast<char>(row_[i / 8] | (0x80 >> (i % 8)));
            }
            for (size_t i = 0; i < cells.size(); ++i) detail::binary_cell(row_, plans_[i], cells[i]);
            b64_.write(reinterpret_cast<const unsigned char*>(row_.data()), row_.size());
        }
        ++rows_;
    }

    void finish(bool overflow) override {
        if (state_ == state::fresh) throw error("table_writer::finish called before begin");
        if (state_ == state::done) return;
        close_table();
        if (overflow) out_.put("<INFO name=\"QUERY_STATUS\" value=\"OVERFLOW\"/>\n");
        close_document();
    }

    void abort(std::string_view message) override {
        if (state_ == state::done) return;
        if (state_ == state::fresh) {
            // Nothing written yet: a plain DALI error document.
            out_.put(header);
            out_.put("<RESOURCE type=\"results\">\n");
        } else {
            close_table();
        }
        out_.put("<INFO name=\"QUERY_STATUS\" value=\"ERROR\">");
        out_.put(xml_escape(message));
        out_.put("</INFO>\n");
        close_document();
    }

    std::uint64_t rows() const override { return rows_; }

private:
    enum class state { fresh, rows, done };

    void info_line(std::string_view name, std::string_view value) {
        out_.put("<INFO");
        attr(out_, "name", name);
        out_.put(" value=\"");
        out_.put(xml_escape(value));
        out_.put("\"/>\n");
    }

    void write_field(const field& f, size_t i) {
        out_.put("<FIELD");
        attr(out_, "name", f.name);
        attr(out_, "ID", f.id);
        attr(out_, "datatype", datatype_name(f.type));
        attr(out_, "arraysize", declared_[i]);
        attr(out_, "xtype", f.xtype);
        attr(out_, "unit", f.unit);
        attr(out_, "ucd", f.ucd);
        attr(out_, "utype", f.utype);
        const bool values = plans_[i].null_value.has_value();
        if (f.description.empty() && !values && f.links.empty()) {
            out_.put("/>\n");
            return;
        }
        out_.put(">\n");
        if (!f.description.empty()) {
            out_.put("<DESCRIPTION>");
            out_.put(xml_escape(f.description));
            out_.put("</DESCRIPTION>\n");
        }
        if (values) out_.put(fmt::format("<VALUES null=\"{}\"/>\n", *plans_[i].null_value));
        for (const auto& l : f.links) {
            out_.put("<LINK");
            attr(out_, "content-role", l.content_role);
            attr(out_, "content-type", l.content_type);
            attr(out_, "title", l.title);
            attr(out_, "href", l.href);
            out_.put("/>\n");
        }
        out_.put("</FIELD>\n");
    }

    void close_table() {
        if (state_ != state::rows) return;
        switch (ser_) {
        case serialization::tabledata: out_.put("</TABLEDATA>"); break;
        case serialization::binary:
            b64_.finish();
            out_.put("\n</STREAM>\n</BINARY>");
            break;
        case serialization::binary2:
            b64_.finish();
            out_.put("\n</STREAM>\n</BINARY2>");
            break;
        }
        out_.put("</DATA>\n</TABLE>\n");
    }

    void close_document() {
        out_.put("</RESOURCE>\n");
        for (const auto& r : info_.trailing_resources) {
            out_.put(r);
            if (!r.empty() && r.back() != '\n') out_.put('\n');
        }
        out_.put("</VOTABLE>\n");
        out_.flush();
        state_ = state::done;
    }

    output_buffer out_;
    serialization ser_;
    result_info info_;
    std::vector<field_plan> plans_;
    std::vector<std::string> declared_;
    std::string row_;
    detail::base64_encoder b64_{out_};
    state state_ = state::fresh;
    std::uint64_t rows_ = 0;
};

}  // namespace

std::unique_ptr<table_writer> make_votable_writer(sink& out, serialization s, result_info info) {
    return std::make_unique<votable_writer>(out, s, std::move(info));
}

void write_error_document(sink& out, std::string_view message) {
    votable_writer w(out, serialization::tabledata, {});
    w.abort(message);
}

void write_text_error(sink& out, std::string_view message) {
    std::string body = "ERROR: ";
    body += message;
    if (body.back() != '\n') body += '\n';
    out.write(body.data(), body.size());
    out.flush();
}

std::string service_descriptor(const service_resource& d) {
    auto attr = [](const char* name, const std::string& v) {
        return v.empty() ? std::string() : std::string(" ") + name + "=\"" + xml_escape(v) + "\"";
    };
    std::string r = std::string("<RESOURCE type=\"meta\" utype=\"") + (d.self ? "adhoc:this" : "adhoc:service") + "\"" +
                    attr("ID", d.xml_id) + attr("name", d.name) + ">\n";
    if (!d.description.empty()) r += "<DESCRIPTION>" + xml_escape(d.description) + "</DESCRIPTION>\n";
    auto fixed = [&](const char* name, const std::string& v) {
        r += std::string("<PARAM name=\"") + name + "\" datatype=\"char\" arraysize=\"*\" value=\"" + xml_escape(v) + "\"/>\n";
    };
    if (!d.standard_id.empty()) fixed("standardID", d.standard_id);
    fixed("accessURL", d.access_url);
    if (!d.content_type.empty()) fixed("contentType", d.content_type);
    r += "<GROUP name=\"inputParams\">\n";  // required, even when empty (section 4.4)
    for (const auto& p : d.inputs) {
        r += "<PARAM name=\"" + xml_escape(p.name) + "\" datatype=\"" + xml_escape(p.datatype) + "\"" + attr("arraysize", p.arraysize) +
             attr("ucd", p.ucd) + attr("ref", p.ref) + attr("unit", p.unit) + attr("xtype", p.xtype) + " value=\"" + xml_escape(p.value) + "\"";
        if (p.description.empty() && !p.min && !p.max && p.options.empty()) {
            r += "/>\n";
            continue;
        }
        r += ">";
        if (!p.description.empty()) r += "<DESCRIPTION>" + xml_escape(p.description) + "</DESCRIPTION>";
        if (p.min || p.max || !p.options.empty()) {
            r += "<VALUES>";
            if (p.min) r += "<MIN value=\"" + xml_escape(*p.min) + "\"/>";
            if (p.max) r += "<MAX value=\"" + xml_escape(*p.max) + "\"/>";
            for (const auto& v : p.options) r += "<OPTION value=\"" + xml_escape(v) + "\"/>";
            r += "</VALUES>";
        }
        r += "</PARAM>\n";
    }
    r += "</GROUP>\n</RESOURCE>";
    return r;
}

std::string service_descriptor(std::string_view id, std::string_view access_url, std::string_view standard_id,
                               const std::vector<service_param>& params, std::string_view name) {
    service_resource d;
    d.xml_id = id, d.access_url = access_url, d.standard_id = standard_id, d.inputs = params, d.name = name;
    return service_descriptor(d);
}

}  // namespace dax::votable
