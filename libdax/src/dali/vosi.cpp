#include <dax/dali/vosi.hpp>
#include <dax/xml.hpp>

#include <fmt/format.h>

namespace dax::dali {

std::vector<capability> vosi_capabilities(std::string_view base, bool tables, bool examples) {
    auto endpoint = [base](const char* id, const char* path, const char* attrs = "") {
        capability c;
        c.standard_id = id;
        c.access_url = std::string(base) + path;
        c.interface_attrs = attrs;
        return c;
    };
    std::vector<capability> c = {endpoint("ivo://ivoa.net/std/VOSI#capabilities", "/capabilities"),
                                 endpoint("ivo://ivoa.net/std/VOSI#availability", "/availability")};
    if (tables) c.push_back(endpoint("ivo://ivoa.net/std/VOSI#tables-1.1", "/tables", "version=\"1.1\""));
    if (examples) c.push_back(endpoint("ivo://ivoa.net/std/DALI#examples", "/examples"));
    return c;
}

std::string capabilities_document(const std::vector<capability>& caps, std::string_view namespaces) {
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    out += "<vosi:capabilities xmlns:vosi=\"http://www.ivoa.net/xml/VOSICapabilities/v1.0\""
           " xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\""
           " xmlns:vr=\"http://www.ivoa.net/xml/VOResource/v1.0\""
           " xmlns:vs=\"http://www.ivoa.net/xml/VODataService/v1.1\"";
    out += namespaces;
    out += ">\n";
    for (const auto& c : caps) {
        fmt::format_to(std::back_inserter(out), "  <capability standardID=\"{}\"{}>\n", xml_escape(c.standard_id),
                       c.type.empty() ? "" : " xsi:type=\"" + xml_escape(c.type) + "\"");
        fmt::format_to(std::back_inserter(out),
                       "    <interface xsi:type=\"vs:ParamHTTP\"{}>\n      <accessURL use=\"{}\">{}</accessURL>\n    </interface>\n",
                       c.interface_attrs.empty() ? "" : " " + c.interface_attrs, xml_escape(c.use), xml_escape(c.access_url));
        out += c.body;
        out += "  </capability>\n";
    }
    out += "</vosi:capabilities>\n";
    return out;
}

std::string availability_document(bool available, std::string_view note) {
    return fmt::format("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                       "<vosi:availability xmlns:vosi=\"http://www.ivoa.net/xml/VOSIAvailability/v1.0\">\n"
                       "  <vosi:available>{}</vosi:available>\n  <vosi:note>{}</vosi:note>\n</vosi:availability>\n",
                       available ? "true" : "false", xml_escape(note));
}

}  // namespace dax::dali
