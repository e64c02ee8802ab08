#pragma once
/// UWS 1.1 XML documents (namespace http://www.ivoa.net/xml/UWS/v1.0, version="1.1").
#include <dax/uws/job.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace dax::uws {

/// A <uws:job> document. `job_url` is the job's URL (result hrefs are made from it).
std::string job_xml(const job& j, std::string_view job_url);
/// A <uws:jobs> list; `list_url` is the job list's URL.
std::string job_list_xml(const std::vector<job>& jobs, std::string_view list_url);
/// A <uws:results> document.
std::string results_xml(const job& j, std::string_view job_url);
/// A <uws:parameters> document.
std::string parameters_xml(const job& j);

}  // namespace dax::uws
