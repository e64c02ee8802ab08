#pragma once
// Reader of the ADQL case files (tests/adql/cases/*.case):
//
//   === sentence naming the case            (add "@syntax" to translate at the syntax level:
//                                            the catalogue's functions, not its tables or types;
//                                            "@feature" puts it in the README's conformance table)
//   ADQL query, one or more lines
//   >>> sqlite | postgres | mysql | qserv   expected SQL (one line)
//   >>> error [dialect]                     expected error, one line per diagnostic
#include <fstream>
#include <map>
#include <string>
#include <vector>

struct adql_case {
    std::string file;
    int line = 0;
    std::string name;
    bool syntax_only = false;
    bool feature = false;
    std::string query;
    std::vector<std::pair<std::string, std::string>> expect;  // key ("sqlite", "error", "error mysql"), text
};

inline std::string trim_right(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ' || s.back() == '\r')) s.pop_back();
    return s;
}

inline std::vector<adql_case> read_cases(const std::string& path) {
    std::ifstream in(path);
    std::vector<adql_case> out;
    std::string line;
    int n = 0;
    std::string* target = nullptr;
    while (std::getline(in, line)) {
        ++n;
        if (line.rfind("===", 0) == 0) {
            adql_case c;
            c.file = path;
            c.line = n;
            c.name = line.substr(3);
            for (auto [flag, on] : {std::pair<const char*, bool*>{"@syntax", &c.syntax_only}, {"@feature", &c.feature}}) {
                auto at = c.name.find(flag);
                if (at == std::string::npos) continue;
                *on = true;
                c.name.erase(at, std::string(flag).size());
            }
            while (!c.name.empty() && c.name.front() == ' ') c.name.erase(0, 1);
            c.name = trim_right(c.name);
            out.push_back(std::move(c));
            target = &out.back().query;
            continue;
        }
        if (out.empty()) continue;  // file header comments
        if (line.rfind(">>>", 0) == 0) {
            std::string key = line.substr(3);
            while (!key.empty() && key.front() == ' ') key.erase(0, 1);
            out.back().expect.push_back({trim_right(key), ""});
            target = &out.back().expect.back().second;
            continue;
        }
        if (target) {
            if (!target->empty()) *target += '\n';
            *target += line;
        }
    }
    for (auto& c : out) {
        c.query = trim_right(c.query);
        for (auto& e : c.expect) e.second = trim_right(e.second);
    }
    return out;
}
