// DataLink 1.1 {links} documents (sections 3.2 and 4), written directly: a few rows per ID, no
// generic table writer needed, and the descriptors follow the results RESOURCE.
#include <dax/datalink/links.hpp>
#include <dax/ascii.hpp>
#include <dax/xml.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace dax::datalink {

namespace {

struct column {
    const char* name;
    const char* datatype;
    const char* ucd;
    const char* extra;
};
// Table 1 of DataLink 1.1, in its order; text columns are char arraysize="*".
const column columns[] = {
    {"ID", "char", "meta.id;meta.main", " arraysize=\"*\""},
    {"access_url", "char", "meta.ref.url", " arraysize=\"*\""},
    {"service_def", "char", "meta.ref", " arraysize=\"*\""},
    {"error_message", "char", "meta.code.error", " arraysize=\"*\""},
    {"description", "char", "meta.note", " arraysize=\"*\""},
    {"semantics", "char", "meta.code", " arraysize=\"*\""},
    {"content_type", "char", "meta.code.mime", " arraysize=\"*\""},
    {"content_length", "long", "phys.size;meta.file", " unit=\"byte\""},
    {"content_qualifier", "char", "meta.code.class", " arraysize=\"*\""},
    {"local_semantics", "char", "meta.id.assoc", " arraysize=\"*\""},
    {"link_auth", "char", "meta.code", " arraysize=\"*\""},
    {"link_authorized", "boolean", "meta.code", ""},
};

void cell(std::string& o, const std::string& v) {
    o += "<TD>";
    o += xml_escape(v);
    o += "</TD>";
}

}  // namespace

std::vector<std::string> apply_descriptors(std::vector<votable::field>& fields, std::span<const descriptor_template> templates,
                                           std::span<const std::string> sources) {
    std::vector<std::string> out;
    for (const auto& t : templates) {
        const bool qualified = t.column.find('.') != std::string::npos;
        auto f = fields.begin();
        for (; f != fields.end(); ++f) {
            const auto i = static_cast<std::size_t>(f - fields.begin());
            if (qualified ? i < sources.size() && ascii_iequals(sources[i], t.column) : f->name == t.column) break;
        }
        if (f == fields.end()) continue;
        if (f->id.empty()) {  // an XML name (NCName) from the column's name
            for (char c : f->name) f->id += std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' ? c : '_';
            if (f->id.empty() || !std::isalpha(static_cast<unsigned char>(f->id[0]))) f->id = "_" + f->id;
        }
        service_descriptor r = t.resource;
        for (auto& p : r.inputs)
            if (p.ref == "$column") p.ref = f->id;
        out.push_back(votable::service_descriptor(r));
    }
    return out;
}

void write_links(dax::sink& out, std::span<const link> links, std::span<const service_descriptor> descriptors, bool overflow) {
    std::string o =
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<VOTABLE version=\"1.4\" xmlns=\"http://www.ivoa.net/xml/VOTable/v1.3\" "
        "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" "
        "xsi:schemaLocation=\"http://www.ivoa.net/xml/VOTable/v1.3 http://www.ivoa.net/xml/VOTable/v1.3\">\n"
        "<RESOURCE type=\"results\">\n";
    o += fmt::format("<INFO name=\"standardID\" value=\"{}\"/>\n", standard_id);
    o += "<INFO name=\"QUERY_STATUS\" value=\"OK\"/>\n<TABLE>\n";
    for (const auto& c : columns) o += fmt::format("<FIELD name=\"{}\" ID=\"{}\" datatype=\"{}\"{} ucd=\"{}\"/>\n", c.name, c.name, c.datatype, c.extra, c.ucd);
    o += "<DATA><TABLEDATA>\n";
    for (const auto& l : links) {
        o += "<TR>";
        for (const auto* v : {&l.id, &l.access_url, &l.service_def, &l.error_message, &l.description, &l.semantics, &l.content_type}) cell(o, *v);
        o += l.content_length ? fmt::format("<TD>{}</TD>", *l.content_length) : std::string("<TD/>");
        for (const auto* v : {&l.content_qualifier, &l.local_semantics, &l.link_auth}) cell(o, *v);
        o += l.link_authorized ? (*l.link_authorized ? "<TD>T</TD>" : "<TD>F</TD>") : "<TD/>";
        o += "</TR>\n";
        if (o.size() > (64u << 10)) out.write(o.data(), o.size()), o.clear();
    }
    o += "</TABLEDATA></DATA>\n</TABLE>\n";
    // DALI 1.1 section 4.4.1: a cut result ends with QUERY_STATUS OVERFLOW after the table.
    if (overflow) o += "<INFO name=\"QUERY_STATUS\" value=\"OVERFLOW\"/>\n";
    o += "</RESOURCE>\n";
    for (const auto& d : descriptors) o += votable::service_descriptor(d) + "\n";
    o += "</VOTABLE>\n";
    out.write(o.data(), o.size());
}

void write_manifest(dax::sink& out, std::span<const link> links) {
    std::string o;
    for (const auto& l : links)
        if (l.semantics == "#this" && !l.access_url.empty()) {
            for (char c : l.access_url)
                if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) o += c;  // one URL per line, whatever it holds
            o += '\n';
        }
    out.write(o.data(), o.size());
}

}  // namespace dax::datalink
