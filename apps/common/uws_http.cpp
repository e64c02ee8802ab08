#include "uws_http.hpp"
#include "replies.hpp"

#include <dax/dali/errors.hpp>

#include <dax/uws/xml.hpp>
#include <dax/votable/writer.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <sys/stat.h>

namespace dax::http {

namespace {

using namespace dax::uws;

std::string upper(std::string s) {
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return s;
}

// All request parameters (query string and form body), names as sent, in order.
std::vector<std::pair<std::string, std::string>> params(const httplib::Request& req) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [k, v] : req.params) out.push_back({k, v});
    for (const auto& [k, f] : req.files) out.push_back({k, f.content});  // multipart form fields
    return out;
}

// Values of a parameter, its name compared case-insensitively (UWS 1.1 section 2.2.3).
std::vector<std::string> values(const httplib::Request& req, std::string_view name) {
    std::vector<std::string> v;
    for (const auto& [k, x] : params(req))
        if (upper(k) == upper(std::string(name))) v.push_back(x);
    return v;
}

std::optional<std::string> value(const httplib::Request& req, std::string_view name) {
    auto v = values(req, name);
    if (v.empty()) return std::nullopt;
    return v.front();
}

void text(httplib::Response& res, int status, const std::string& body) {
    res.status = status;
    res.set_content(body, "text/plain; charset=utf-8");
}

void fail(httplib::Response& res, int status, const std::string& message) {
    votable::string_sink s;
    votable::write_text_error(s, message);
    text(res, status, s.out);
}

template <class T>
bool refused(httplib::Response& res, const result<T>& o) {
    if (o) return false;
    const error& e = o.err();
    if (e.kind() == error_kind::quota || e.kind() == error_kind::overloaded)
        res.set_header("Retry-After", std::to_string(std::max<long long>(1, e.retry_after().count())));
    fail(res, dali::http_status(e.kind()), e.what());
    return true;
}

void redirect(httplib::Response& res, const std::string& url) {
    res.status = 303;
    res.set_header("Location", url);
}

// What every handler of one UWS binding needs.
struct uws_routes {
    engine& eng;
    result_store& results;
    std::shared_ptr<uws_binding> shared;
    std::function<std::optional<std::string>(const httplib::Request&, httplib::Response&)> who;
    std::function<std::string(const httplib::Request&)> list_url;
    std::string base, job;  // the job list's path and one job's path pattern
};

// A GET handler for a sub-resource of one job: resolves the caller and the job (401/404).
auto on_job(const uws_routes& r, std::function<void(const dax::uws::job&, const httplib::Request&, httplib::Response&)> f) {
    return [&eng = r.eng, who = r.who, f](const httplib::Request& req, httplib::Response& res) {
        auto owner = who(req, res);
        if (!owner) return;
        auto j = eng.get(*owner, std::string(req.matches[1]));
        if (refused(res, j)) return;
        f(*j, req, res);
    };
}

// A POST that sets one value of the caller's job (UWS 1.1 section 2.2.3), then sends the
// client back to the job; `apply` answers the updated job or why not.
template <class Apply>
auto on_update(const uws_routes& r, const char* name, const char* missing, Apply apply) {
    return [who = r.who, list_url = r.list_url, name, missing, apply](const httplib::Request& req, httplib::Response& res) {
        auto owner = who(req, res);
        if (!owner) return;
        const std::string id = req.matches[1];
        auto v = value(req, name);
        if (!v) return fail(res, 400, missing);
        auto j = apply(*owner, id, *v);
        if (refused(res, j)) return;
        redirect(res, list_url(req) + "/" + id);
    };
}

// The job list: GET (PHASE repeatable, AFTER, LAST; VISIBILITY extension) and POST (create).
void add_job_list_routes(server& server, const uws_routes& r) {
    server.Get(r.base, [r](const httplib::Request& req, httplib::Response& res) {
        auto owner = r.who(req, res);
        if (!owner) return;
        job_filter f;
        for (const auto& p : values(req, "PHASE")) {
            auto ph = phase_from_name(p);
            if (!ph) return fail(res, 400, fmt::format("PHASE '{}' is not a UWS phase", p));
            f.phases.push_back(*ph);
            if (*ph == phase::archived) f.include_archived = true;
        }
        if (auto a = value(req, "AFTER")) {
            f.after = parse_iso8601(*a);
            if (!f.after) return fail(res, 400, fmt::format("AFTER '{}' is not an ISO 8601 timestamp", *a));
        }
        if (auto l = value(req, "LAST")) {
            std::size_t n = 0;
            auto [p, ec] = std::from_chars(l->data(), l->data() + l->size(), n);
            if (ec != std::errc() || p != l->data() + l->size() || n == 0)
                return fail(res, 400, fmt::format("LAST '{}' must be a positive integer", *l));
            f.last = n;
        }
        for (const auto& v : values(req, "VISIBILITY")) {
            if (v != "normal" && v != "user-hidden" && v != "system-hidden")
                return fail(res, 400, "VISIBILITY must be normal, user-hidden or system-hidden");
            f.visibility.push_back(v);
        }
        res.set_content(job_list_xml(r.eng.list(*owner, f), r.list_url(req)), "text/xml; charset=utf-8");
    });

    server.post(r.base, [r](const httplib::Request& req, httplib::Response& res) {
        auto owner = r.who(req, res);
        if (!owner) return;
        std::vector<std::pair<std::string, std::string>> ps, inputs;
        bool run = false;
        std::string run_id;
        // Uploaded files (multipart parts with a file name) are the job's inputs: kept as files by
        // the engine, not as parameters in the job store.
        std::vector<std::pair<std::string, std::string>> fields;
        for (const auto& [k, v] : req.params) fields.push_back({k, v});
        for (const auto& [k, f] : req.files) {
            if (f.filename.empty()) fields.push_back({k, f.content});
            else inputs.push_back({k, f.content});
        }
        for (auto& [k, v] : fields) {
            const std::string u = upper(k);
            if (u == "PHASE") {
                if (upper(v) != "RUN") return fail(res, 400, fmt::format("PHASE={} is not possible when creating a job", v));
                run = true;
            } else if (u == "RUNID") {
                run_id = v;
            } else if (u == "RERUN") {
                // Extension: a new job with the parameters of one of the caller's jobs (also an
                // ARCHIVED one: the history keeps the parameters after the results expire).
                auto old = r.eng.get(*owner, v);
                if (refused(res, old)) return;
                for (const auto& p : old->parameters) ps.push_back(p);
                for (auto& in : r.eng.inputs(*owner, v)) inputs.push_back(std::move(in));  // its uploads, while kept
            } else {
                ps.push_back({k, v});
            }
        }
        if (r.shared->check_parameters)
            if (auto e = r.shared->check_parameters(ps)) return reply_error(res, *e);
        auto j = r.eng.create(*owner, r.shared->task, std::move(ps), run_id, run, std::move(inputs));
        if (refused(res, j)) return;
        redirect(res, r.list_url(req) + "/" + j->id);
    });

}

// One job: GET (with WAIT), DELETE, and POST (ACTION=DELETE or parameters).
void add_job_routes(server& server, const uws_routes& r) {
    auto& eng = r.eng;
    const auto& shared = r.shared;
    const auto& who = r.who;
    const auto& list_url = r.list_url;
    const std::string& job = r.job;
    auto waiting = std::make_shared<std::atomic<std::size_t>>(0);
    server.Get(job, [&eng, who, list_url, waiting, shared](const httplib::Request& req, httplib::Response& res) {
        auto owner = who(req, res);
        if (!owner) return;
        const std::string id = req.matches[1];
        result<dax::uws::job> j = error("");  // assigned below
        if (auto w = value(req, "WAIT")) {
            long long secs = 0;
            auto [p, ec] = std::from_chars(w->data(), w->data() + w->size(), secs);
            if (ec != std::errc() || p != w->data() + w->size() || secs < -1)
                return fail(res, 400, fmt::format("WAIT '{}' must be an integer number of seconds", *w));
            std::optional<phase> in;
            if (auto ph = value(req, "PHASE")) {
                in = phase_from_name(*ph);
                if (!in) return fail(res, 400, fmt::format("PHASE '{}' is not a UWS phase", *ph));
            }
            // WAIT=-1 means as long as the service allows; every WAIT is capped by the engine
            // (in seconds first: secs * 1000 must not overflow), and only max_waiting block at once.
            const auto cap = eng.config().max_wait;
            auto t = secs < 0 || secs > cap.count() / 1000 ? cap : std::chrono::milliseconds(secs * 1000);
            struct slot {
                std::atomic<std::size_t>& n;
                ~slot() { --n; }
            } s{*waiting};
            if (++*waiting > shared->max_waiting) t = std::chrono::milliseconds(0);
            j = eng.wait(*owner, id, t, in);
        } else {
            j = eng.get(*owner, id);
        }
        if (refused(res, j)) return;
        res.set_content(job_xml(*j, list_url(req) + "/" + id), "text/xml; charset=utf-8");
    });

    auto remove = [&eng, who, list_url](const httplib::Request& req, httplib::Response& res) {
        auto owner = who(req, res);
        if (!owner) return;
        auto r = eng.remove(*owner, std::string(req.matches[1]));
        if (refused(res, r)) return;
        redirect(res, list_url(req));
    };
    server.Delete(job, remove);
    // Parameters update a PENDING job (UWS 1.1 section 2.2.3.5), posted to the job or to
    // its parameters list.
    auto add_parameters = [&eng, who, list_url, shared = r.shared](const httplib::Request& req, httplib::Response& res) {
        auto owner = who(req, res);
        if (!owner) return;
        std::vector<std::pair<std::string, std::string>> ps;
        for (auto& p : params(req)) ps.push_back(p);
        if (ps.empty()) return fail(res, 400, "nothing to do: give ACTION=DELETE or job parameters");
        if (shared->check_parameters)
            if (auto e = shared->check_parameters(ps)) return reply_error(res, *e);
        const std::string id = req.matches[1];
        auto j = eng.add_parameters(*owner, id, std::move(ps));
        if (refused(res, j)) return;
        redirect(res, list_url(req) + "/" + id);
    };
    server.post(job, [who, remove, add_parameters](const httplib::Request& req, httplib::Response& res) {
        if (auto a = value(req, "ACTION")) {
            if (!who(req, res)) return;
            if (upper(*a) != "DELETE") return fail(res, 400, fmt::format("ACTION '{}' is not DELETE", *a));
            return remove(req, res);
        }
        add_parameters(req, res);
    });
    server.post(job + "/parameters", add_parameters);

}

// The sub-resources of a job a client sets (UWS 1.1 section 2.2.3).
void add_job_state_routes(server& server, const uws_routes& r) {
    auto& eng = r.eng;
    const std::string& job = r.job;
    // Extension: the history visibility flag of a job. Clients set normal or user-hidden;
    // system-hidden is for the service's own use.
    server.Get(job + "/visibility", on_job(r, [](const dax::uws::job& j, const httplib::Request&, httplib::Response& res) {
        text(res, 200, j.visibility);
    }));
    server.post(job + "/visibility", on_update(r, "VISIBILITY", "VISIBILITY must be normal or user-hidden",
                                               [&eng](const std::string& owner, const std::string& id, const std::string& v) {
        if (v != "normal" && v != "user-hidden") return result<dax::uws::job>(error("VISIBILITY must be normal or user-hidden"));
        return eng.set_visibility(owner, id, v);
    }));

    // Sub-resources.
    server.Get(job + "/phase", on_job(r, [](const dax::uws::job& j, const httplib::Request&, httplib::Response& res) {
        text(res, 200, std::string(phase_name(j.ph)));
    }));
    server.post(job + "/phase", on_update(r, "PHASE", "PHASE is missing: give RUN or ABORT",
                                          [&eng](const std::string& owner, const std::string& id, const std::string& p) {
        if (upper(p) == "RUN") return eng.run(owner, id);
        if (upper(p) == "ABORT") return eng.abort(owner, id);
        return result<dax::uws::job>(error(fmt::format("PHASE={} is not supported: give RUN or ABORT", p)));
    }));
    server.Get(job + "/executionduration", on_job(r, [](const dax::uws::job& j, const httplib::Request&, httplib::Response& res) {
        text(res, 200, std::to_string(j.execution_duration));
    }));
    server.post(job + "/executionduration", on_update(r, "EXECUTIONDURATION", "EXECUTIONDURATION is missing",
                                                      [&eng](const std::string& owner, const std::string& id, const std::string& v) {
        long long secs = 0;
        auto [p, ec] = std::from_chars(v.data(), v.data() + v.size(), secs);
        if (ec != std::errc() || p != v.data() + v.size() || secs < 0)
            return result<dax::uws::job>(error(fmt::format("EXECUTIONDURATION '{}' must be a non-negative integer number of seconds", v)));
        return eng.set_execution_duration(owner, id, secs);
    }));
    server.Get(job + "/destruction", on_job(r, [](const dax::uws::job& j, const httplib::Request&, httplib::Response& res) {
        text(res, 200, iso8601(j.destruction));
    }));
    server.post(job + "/destruction", on_update(r, "DESTRUCTION", "DESTRUCTION is missing",
                                                [&eng](const std::string& owner, const std::string& id, const std::string& v) {
        auto t = parse_iso8601(v);
        if (!t) return result<dax::uws::job>(error(fmt::format("DESTRUCTION '{}' is not an ISO 8601 timestamp", v)));
        // UWS 1.1 section 2.2.3.3 lets the service choose the time; one in the past would
        // destroy the job at once, which is what DELETE is for: refused.
        if (*t < now_ms()) return result<dax::uws::job>(error(fmt::format("DESTRUCTION {} is in the past", v)));
        return eng.set_destruction(owner, id, *t);
    }));
}

// The read-only sub-resources of a job and its results.
void add_job_info_routes(server& server, const uws_routes& r) {
    auto& eng = r.eng;
    auto& results = r.results;
    const auto& who = r.who;
    const auto& list_url = r.list_url;
    const std::string& job = r.job;
    server.Get(job + "/quote", on_job(r, [](const dax::uws::job& j, const httplib::Request&, httplib::Response& res) {
        text(res, 200, j.quote ? iso8601(*j.quote) : "");
    }));
    server.Get(job + "/owner", on_job(r, [](const dax::uws::job& j, const httplib::Request&, httplib::Response& res) {
        text(res, 200, j.owner);
    }));
    server.Get(job + "/error", on_job(r, [](const dax::uws::job& j, const httplib::Request&, httplib::Response& res) {
        if (!j.error) return fail(res, 404, fmt::format("job {} has no error", j.id));
        // A DALI error document: what TAP clients read at /error.
        votable::string_sink s;
        votable::write_error_document(s, j.error->detail.empty() ? j.error->message : j.error->detail);
        res.set_content(s.out, "application/x-votable+xml");
    }));
    server.Get(job + "/parameters", on_job(r, [](const dax::uws::job& j, const httplib::Request&, httplib::Response& res) {
        res.set_content(parameters_xml(j), "text/xml; charset=utf-8");
    }));
    server.Get(job + "/results", on_job(r, [list_url](const dax::uws::job& j, const httplib::Request& req, httplib::Response& res) {
        res.set_content(results_xml(j, list_url(req) + "/" + j.id), "text/xml; charset=utf-8");
    }));
    server.Get(job + "/results/([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})",
               [&eng, &results, who](const httplib::Request& req, httplib::Response& res) {
        auto owner = who(req, res);
        if (!owner) return;
        auto j = eng.get(*owner, std::string(req.matches[1]));
        if (refused(res, j)) return;
        const std::string rid = req.matches[2];
        auto it = std::find_if(j->results.begin(), j->results.end(), [&](const result_ref& r) { return r.id == rid; });
        const std::string path = it == j->results.end() ? "" : results.path(j->id, rid);
        if (path.empty()) return fail(res, 404, fmt::format("job {} has no result '{}'", j->id, rid));
        serve_file(res, path, it->mime_type.empty() ? "application/octet-stream" : it->mime_type);
    });

}

// Other methods: 405 with Allow (UWS 1.1 section 2.2 names GET, POST and DELETE only).
void refuse_other_methods(server& server, const uws_routes& r) {
    const std::string& base = r.base;
    const std::string& job = r.job;
    server.refuse_methods(base, "GET, POST");
    server.refuse_methods(job, "GET, POST, DELETE");
    for (const char* sub : {"/phase", "/executionduration", "/destruction", "/parameters", "/visibility"})
        server.refuse_methods(job + sub, "GET, POST");
    for (const char* sub : {"/quote", "/owner", "/error", "/results", "/results/([A-Za-z0-9_][A-Za-z0-9_.-]{0,127})"})
        server.refuse_methods(job + sub, "GET");
}

}  // namespace

void add_uws_routes(server& server, engine& eng, result_store& results, uws_binding b) {
    auto shared = std::make_shared<uws_binding>(std::move(b));
    // Resolves the caller; answers 401 itself when refused.
    auto who = [shared](const httplib::Request& req, httplib::Response& res) -> std::optional<std::string> {
        if (!shared->identity) return std::string();
        auto id = shared->identity(req);
        if (!id) {
            res.set_header("WWW-Authenticate", "Bearer");
            fail(res, 401, "authentication required");
        }
        return id;
    };
    auto list_url = [shared](const httplib::Request& req) { return origin(req, shared->public_url) + shared->base; };
    const std::string base = shared->base;
    const std::string job = base + "/([a-z2-7]{1,64})";
    const uws_routes r{eng, results, shared, who, list_url, base, job};
    add_job_list_routes(server, r);
    add_job_routes(server, r);
    add_job_state_routes(server, r);
    add_job_info_routes(server, r);
    refuse_other_methods(server, r);
}

}  // namespace dax::http
