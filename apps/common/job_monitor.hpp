#pragma once
// The job monitor (issue 14 section 3): a user's jobs of every service of the site — TAP
// queries, cutouts and film strips, photometry — read from the site's one job store, as JSON
// for the landing page. Each job carries its service, phase, progress, times and absolute links
// to its UWS resource and results. The same isolation as UWS: a user sees their own jobs only;
// the site's own jobs (virtual files being made, owned by nobody) are listed while they run.
#include "auth.hpp"
#include "http_server.hpp"

#include <dax/uws/store.hpp>

#include <map>
#include <string>

namespace dax::http {

struct job_list_ref {
    std::string service;  ///< shown to the user: "TAP", "SODA", ...
    std::string url;      ///< the UWS job list, e.g. http://host:8082/soda/async; "": not served
};

struct job_monitor_binding {
    std::string path;                            ///< e.g. "/tap/monitor"
    identity_function identity;                  ///< who asks (null: everyone is anonymous)
    std::map<std::string, job_list_ref> tasks;   ///< task name -> where its jobs are served
    std::size_t max_jobs = 500;                  ///< the most recent N of the user's
};

/// {"user": "...", "jobs": [{"service", "task", "id", "url", "run_id", "phase", "created",
/// "started", "ended", "destruction", "progress", "summary" (its QUERY or IDs), "error", "results": [{"id", "href", "mime",
/// "size"}]}]}, newest first. The store must outlive the server.
void add_job_monitor(server& server, uws::job_store& store, job_monitor_binding binding);

}  // namespace dax::http
