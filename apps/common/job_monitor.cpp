#include "job_monitor.hpp"

#include "replies.hpp"

#include <dax/ascii.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace dax::http {

namespace {

// Long texts (a RUNID, an error message, progress) are cut to this many bytes, at a character.
constexpr std::size_t max_text = 1024;

std::string cut(std::string s, std::size_t max = max_text) {
    if (s.size() <= max) return s;
    std::size_t n = max;
    while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
    return s.substr(0, n) + "…";
}

std::string time_or_null(const std::optional<uws::time_point>& t) { return t ? json_string(uws::iso8601(*t)) : "null"; }

std::string job_json(const uws::job& j, const job_monitor_binding& b) {
    const auto ref = b.tasks.find(j.task);
    const std::string service = ref == b.tasks.end() ? j.task : ref->second.service;
    const std::string url = ref == b.tasks.end() || ref->second.url.empty() ? "" : ref->second.url + "/" + j.id;
    std::string progress;
    for (const auto& [k, v] : j.info) progress += (progress.empty() ? "" : "; ") + k + ": " + v;
    // What the job is about: its query, else its datasets (at most 200 bytes, whole characters).
    std::string summary;
    for (const char* name : {"QUERY", "ID"})
        if (summary.empty())
            for (const auto& [k, v] : j.parameters)
                if (ascii_iequals(k, name) && summary.size() <= 200) summary += (summary.empty() ? "" : " ") + v;
    summary = cut(std::move(summary), 200);
    std::string results = "[";
    for (const auto& r : j.results) {
        // Result hrefs are relative to the job ("" = "results/ID") unless absolute.
        const bool absolute = r.href.find("://") != std::string::npos;
        const std::string rel = r.href.empty() ? "results/" + r.id : r.href;
        const std::string href = absolute ? r.href : url.empty() ? "" : url + "/" + rel;
        results += fmt::format("{}{{\"id\":{},\"href\":{},\"mime\":{},\"size\":{}}}", results.size() > 1 ? "," : "", json_string(r.id),
                               json_string(href), json_string(r.mime_type), r.size);
    }
    results += "]";
    return fmt::format(
        "{{\"service\":{},\"task\":{},\"id\":{},\"url\":{},\"run_id\":{},\"phase\":{},\"created\":{},\"started\":{},"
        "\"ended\":{},\"destruction\":{},\"progress\":{},\"summary\":{},\"error\":{},\"results\":{}}}",
        json_string(service), json_string(j.task), json_string(j.id), json_string(url), json_string(cut(j.run_id)),
        json_string(uws::phase_name(j.ph)), json_string(uws::iso8601(j.creation)), time_or_null(j.start), time_or_null(j.end),
        json_string(uws::iso8601(j.destruction)), json_string(cut(progress)), json_string(summary), j.error ? json_string(cut(j.error->message)) : "null", results);
}

}  // namespace

void add_job_monitor(server& server, uws::job_store& store, job_monitor_binding binding) {
    const std::string path = binding.path;
    auto answer = [&store, b = std::move(binding)](const httplib::Request& req, httplib::Response& res) {
        // Without an identity where the site has them: 401, as the UWS job lists answer.
        const auto who = b.identity ? b.identity(req) : std::optional<std::string>("");
        if (!who) return reply_error(res, error(error_kind::unauthenticated, "this needs a user: log in (the job monitor lists your jobs)"));
        const std::string& user = *who;
        uws::job_filter mine;
        mine.last = b.max_jobs;  // the site's running jobs below come on top (few: files being made)
        for (const auto& [task, ref] : b.tasks) mine.tasks.push_back(task);
        std::vector<uws::job> jobs;
        try {
            jobs = store.list(user, mine);
            if (!user.empty()) {  // the site's running jobs (files being made for whoever asked)
                uws::job_filter site = mine;
                site.phases = {uws::phase::queued, uws::phase::executing};
                site.visibility = {"normal", "system-hidden"};
                for (auto& j : store.list("", site))
                    if (j.task == "make-virtual") jobs.push_back(std::move(j));
            }
        } catch (const std::exception& e) {
            return reply_error(res, error(error_kind::internal, std::string("the job store cannot be read: ") + e.what()));
        }
        std::stable_sort(jobs.begin(), jobs.end(), [](const uws::job& a, const uws::job& c) { return a.creation > c.creation; });
        std::string out = "{\"user\":" + json_string(user) + ",\"jobs\":[";
        for (std::size_t i = 0; i < jobs.size(); ++i) out += (i ? "," : "") + job_json(jobs[i], b);
        out += "]}";
        res.set_header("Cache-Control", "no-store");
        res.set_content(out, "application/json");
    };
    server.Get(path, answer);
    server.refuse_methods(path, "GET");
}

}  // namespace dax::http
