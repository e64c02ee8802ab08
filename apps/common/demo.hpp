#pragma once
// The demo every server serves with no configuration: demo.stars and ivoa.ObsCore (the same
// bytes as shared/peers/data/gen_data.py) in the embedded SQLite database.
#include "tap_config.hpp"

#include <dax/tap/service.hpp>

namespace dax::http {

/// Publishes the demo schemas (before the configured ones) when cfg.demo is set.
void add_demo_schemas(tapserver::server_config& cfg);
/// Creates the demo tables on first run; false (with the reason on stderr) if that failed.
bool ensure_demo(tap::service& svc, const char* program);

}  // namespace dax::http
