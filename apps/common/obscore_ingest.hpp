#pragma once
// Datasets into ivoa.ObsCore: rows merged by obs_publisher_did into the table's current content
// and the table replaced in one load (a failed load leaves it as it was). Shared by
// `dax-admin ingest-images` and the demo images every server creates on first start.
#include <dax/image/obscore.hpp>
#include <dax/tap/service.hpp>

#include <cstdint>
#include <vector>

namespace dax::http {

struct merged_rows {
    std::size_t added = 0, updated = 0;
    std::int64_t rows = 0;  ///< in the table afterwards
};

/// Merges `ds` into ivoa.ObsCore (a dataset replaces the row with its DID). Refused, with the
/// table unchanged, when the table holds more rows than limits.hard_maxrec lets one query read.
result<merged_rows> merge_into_obscore(tap::service& svc, const std::vector<image::dataset>& ds,
                                       const image::ingest_settings& settings);

}  // namespace dax::http
