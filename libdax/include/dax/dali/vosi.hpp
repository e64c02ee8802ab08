#pragma once
/// VOSI 1.1 documents every service publishes: capabilities (section 3.1) and availability
/// (section 3.2). A service lists its own capabilities (TAP, SIA, SODA, DataLink, ...); the VOSI
/// endpoints themselves are added here.
#include <string>
#include <string_view>
#include <vector>

namespace dax::dali {

/// One <capability>: its standardID, optional xsi:type (with the namespace it needs), and one
/// ParamHTTP interface at `access_url`.
struct capability {
    std::string standard_id;          ///< e.g. ivo://ivoa.net/std/SIA#query-2.0
    std::string access_url;           ///< absolute URL
    std::string use = "full";         ///< accessURL use: full or base
    std::string interface_attrs;      ///< extra attributes of <interface>, e.g. role="std" version="1.1"
    std::string type;                 ///< xsi:type of the capability, e.g. tr:TableAccess ("" for none)
    std::string body;                 ///< XML after the interface (TAPRegExt details), already escaped
};

/// The VOSI endpoints of a service at `base`: capabilities and availability, plus tables when
/// the service has them (a TAP service) and examples when it publishes DALI examples.
std::vector<capability> vosi_capabilities(std::string_view base, bool tables, bool examples);

/// The capabilities document. `namespaces` adds xmlns declarations used by the capabilities'
/// types and bodies, e.g. ` xmlns:tr="http://www.ivoa.net/xml/TAPRegExt/v1.0"`.
std::string capabilities_document(const std::vector<capability>& caps, std::string_view namespaces = {});

/// The availability document.
std::string availability_document(bool available, std::string_view note);

}  // namespace dax::dali
