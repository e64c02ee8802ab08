#pragma once
/// A catalog table spread over several PostgreSQL+pgSphere servers by declination band, with
/// PostgreSQL's own means (Citus and Qserv are the larger versions of the same layout; see the
/// README, "Sharding a catalog"). On a coordinator the table is partitioned by range of its main
/// declination column (declarative partitioning); each band is a foreign table on a shard
/// server (postgres_fdw) or a partition on the coordinator itself. Queries go to the coordinator
/// as to any PostgreSQL backend: the PostgreSQL translation bounds the declination of every
/// constant cone, box, polygon and DISTANCE restriction, so the planner scans only the bands a
/// region meets (partition pruning), and the pgSphere test itself runs on the shards against
/// their GiST indexes (the foreign servers list pg_sphere as shippable).
#include <dax/adql/catalog.hpp>
#include <dax/error.hpp>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace dax::tap {

struct shard_layout {
    std::string coordinator;  ///< libpq conninfo of the server that queries are sent to
    /// One per band, south to north: a shard server's libpq conninfo, or "local" for a band
    /// kept on the coordinator itself.
    std::vector<std::string> shards;
    /// The declinations (degrees, increasing, shards.size() - 1 of them) between the bands;
    /// empty: bands of equal area.
    std::vector<double> edges;
};

/// The n - 1 declinations that cut the sphere into n bands of equal area (sin(dec) evenly split).
std::vector<double> equal_area_edges(std::size_t n);

struct sharded_load {
    std::uint64_t rows = 0;
    std::vector<std::uint64_t> per_band;  ///< rows in each band (as layout.shards)
    std::uint64_t null_dec = 0;           ///< rows without a declination (coordinator's default partition)
    std::vector<double> edges;            ///< the band edges used (as a float column holds them)
    /// Problems after the load was committed (old band tables not dropped, statistics not
    /// gathered): the table is published and complete.
    std::vector<std::string> warnings;
};

/// Creates table `t` (replacing it) over the layout and loads a CSV text (header = column
/// names, as `backend::load_csv`):
///   - each shard server gets `<schema>.<table>_band<k>_<load id>` with the indexes a
///     single-server table gets (GiST on the position, B-tree on indexed columns), pgSphere
///     created if missing;
///   - the coordinator gets `<schema>.<table>` PARTITION BY RANGE (its float or double main
///     declination column) with partitions `<table>_band<k>`: foreign tables of postgres_fdw
///     servers `dax_shard_<hash of the conninfo>` (a PUBLIC user mapping with the conninfo's user
///     and password) or local tables, and `<table>_nodec`, the default partition, for rows
///     without a declination;
///   - rows are routed to their band here and copied straight to its server (COPY, one
///     transaction per server). The shards commit first; the coordinator then switches to the
///     new bands in one COMMIT, and the shards' previous band tables of this table are dropped.
///     Until that COMMIT the previous table stays published and whole: any error before it
///     (a bad row, a server refusing a row or its COMMIT) changes nothing.
/// A shard conninfo gives host, port, dbname, user, password (and sslmode, sslrootcert,
/// connect_timeout): what the coordinator's postgres_fdw can be given. Errors name the CSV line
/// or the server.
result<sharded_load> load_sharded_csv(const shard_layout& layout, const adql::table_info& t, std::string_view csv,
                                      const std::function<void(std::uint64_t)>& progress = {});

}  // namespace dax::tap
