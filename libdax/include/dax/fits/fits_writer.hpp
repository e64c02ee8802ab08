#pragma once
/// A FITS binary-table writer (TAP's `fits` output format), with the same interface as the
/// VOTable and CSV writers. CFITSIO stays inside libdax.
#include <dax/votable/writer.hpp>

#include <memory>
#include <string>

namespace dax::fits {

/// Writes a FITS file at `path` (replaced if it exists): an empty primary HDU, then one binary
/// table extension. Rows are buffered per block of columns and written as they come; NAXIS2 is
/// fixed when the file is finished. Units go to TUNITn, UCDs to TUCDn, descriptions to TCOMMn,
/// nulls to TNULLn (integers), NaN (floating point) or empty strings. The header keyword
/// QSTATUS says OK, OVERFLOW or ERROR (with the message in QERRMSG) as the VOTable INFO would.
std::unique_ptr<votable::table_writer> make_fits_writer(const std::string& path);
/// The same, written to `out` once finished (built in a temporary file under $TMPDIR).
std::unique_ptr<votable::table_writer> make_fits_writer(sink& out);

}  // namespace dax::fits
