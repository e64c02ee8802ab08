#include <dax/uws/xml.hpp>

#include <dax/xml.hpp>

#include <fmt/format.h>

namespace dax::uws {

namespace {


constexpr std::string_view ns =
    "xmlns:uws=\"http://www.ivoa.net/xml/UWS/v1.0\" xmlns:xlink=\"http://www.w3.org/1999/xlink\" "
    "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\"";

void element(std::string& o, std::string_view name, const std::optional<std::string>& value) {
    if (!value) o += fmt::format("  <uws:{} xsi:nil=\"true\"/>\n", name);
    else o += fmt::format("  <uws:{}>{}</uws:{}>\n", name, xml_escape(*value), name);
}

std::optional<std::string> when(const std::optional<time_point>& t) {
    if (!t) return std::nullopt;
    return iso8601(*t);
}

std::string href(const result_ref& r, std::string_view job_url) {
    if (r.href.find("://") != std::string::npos) return r.href;
    return fmt::format("{}/{}", job_url, r.href.empty() ? "results/" + r.id : r.href);
}

void results(std::string& o, const job& j, std::string_view job_url, std::string_view indent) {
    o += fmt::format("{}<uws:results>\n", indent);
    for (const auto& r : j.results) {
        o += fmt::format("{}  <uws:result id=\"{}\" xlink:type=\"simple\" xlink:href=\"{}\"", indent, xml_escape(r.id),
                         xml_escape(href(r, job_url)));
        if (r.size) o += fmt::format(" size=\"{}\"", r.size);
        if (!r.mime_type.empty()) o += fmt::format(" mime-type=\"{}\"", xml_escape(r.mime_type));
        o += "/>\n";
    }
    o += fmt::format("{}</uws:results>\n", indent);
}

void parameters(std::string& o, const job& j, std::string_view indent) {
    o += fmt::format("{}<uws:parameters>\n", indent);
    for (const auto& [k, v] : j.parameters)
        o += fmt::format("{}  <uws:parameter id=\"{}\">{}</uws:parameter>\n", indent, xml_escape(k), xml_escape(v));
    o += fmt::format("{}</uws:parameters>\n", indent);
}

}  // namespace

std::string job_xml(const job& j, std::string_view job_url) {
    std::string o = fmt::format("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<uws:job {} version=\"1.1\">\n", ns);
    o += fmt::format("  <uws:jobId>{}</uws:jobId>\n", xml_escape(j.id));
    if (!j.run_id.empty()) o += fmt::format("  <uws:runId>{}</uws:runId>\n", xml_escape(j.run_id));
    element(o, "ownerId", j.owner.empty() ? std::nullopt : std::optional<std::string>(j.owner));
    o += fmt::format("  <uws:phase>{}</uws:phase>\n", phase_name(j.ph));
    element(o, "quote", when(j.quote));
    o += fmt::format("  <uws:creationTime>{}</uws:creationTime>\n", iso8601(j.creation));
    element(o, "startTime", when(j.start));
    element(o, "endTime", when(j.end));
    o += fmt::format("  <uws:executionDuration>{}</uws:executionDuration>\n", j.execution_duration);
    element(o, "destruction", iso8601(j.destruction));
    parameters(o, j, "  ");
    results(o, j, job_url, "  ");
    if (j.error)
        o += fmt::format("  <uws:errorSummary type=\"{}\" hasDetail=\"{}\">\n    <uws:message>{}</uws:message>\n  </uws:errorSummary>\n",
                         j.error->fatal ? "fatal" : "transient", j.error->detail.empty() ? "false" : "true",
                         xml_escape(j.error->message));
    if (!j.info.empty() || j.visibility != "normal") {
        // jobInfo holds anything (UWS 1.1 section 2.2.1): progress and the history flag.
        o += "  <uws:jobInfo>\n";
        for (const auto& [k, v] : j.info)
            o += fmt::format("    <dax:info xmlns:dax=\"urn:libdax\" key=\"{}\">{}</dax:info>\n", xml_escape(k), xml_escape(v));
        if (j.visibility != "normal")
            o += fmt::format("    <dax:visibility xmlns:dax=\"urn:libdax\">{}</dax:visibility>\n", xml_escape(j.visibility));
        o += "  </uws:jobInfo>\n";
    }
    o += "</uws:job>\n";
    return o;
}

std::string job_list_xml(const std::vector<job>& jobs, std::string_view list_url) {
    std::string o = fmt::format("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<uws:jobs {} version=\"1.1\">\n", ns);
    for (const auto& j : jobs) {
        o += fmt::format("  <uws:jobref id=\"{}\" xlink:type=\"simple\" xlink:href=\"{}/{}\">\n", xml_escape(j.id),
                         xml_escape(list_url), xml_escape(j.id));
        o += fmt::format("    <uws:phase>{}</uws:phase>\n", phase_name(j.ph));
        if (!j.run_id.empty()) o += fmt::format("    <uws:runId>{}</uws:runId>\n", xml_escape(j.run_id));
        if (j.owner.empty()) o += "    <uws:ownerId xsi:nil=\"true\"/>\n";
        else o += fmt::format("    <uws:ownerId>{}</uws:ownerId>\n", xml_escape(j.owner));
        o += fmt::format("    <uws:creationTime>{}</uws:creationTime>\n", iso8601(j.creation));
        o += "  </uws:jobref>\n";
    }
    o += "</uws:jobs>\n";
    return o;
}

std::string results_xml(const job& j, std::string_view job_url) {
    std::string o = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    std::string r;
    results(r, j, job_url, "");
    // The root element carries the namespaces.
    r.replace(0, std::string("<uws:results>").size(), fmt::format("<uws:results {}>", ns));
    return o + r;
}

std::string parameters_xml(const job& j) {
    std::string o = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    std::string p;
    parameters(p, j, "");
    p.replace(0, std::string("<uws:parameters>").size(), fmt::format("<uws:parameters {}>", ns));
    return o + p;
}

}  // namespace dax::uws
