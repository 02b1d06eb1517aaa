// Finding the NVIDIA libraries the CUDA backend opens at run time (cuBLAS, cuDNN). They are never
// linked, so libctc4j_cuda loads where they are absent, and the search keeps every place it looked
// so that `ctc4j info` can say what is missing and where. Host code only; the GPU harness's driver
// tests it with a stand-in library (gpu/check/checks_libraries.cpp).
#pragma once
#include <dlfcn.h>
#include <glob.h>
#include <sys/stat.h>

#include <cstdlib>
#include <string>
#include <vector>

namespace ctc4j {

struct LibrarySpec {
  std::string name;                      // "cuDNN"
  std::string path_variable;             // a file, or a folder holding one of the sonames
  std::vector<std::string> sonames;      // most wanted first
  std::vector<std::string> pip_folders;  // under a Python site-packages folder
  std::string probe_symbol;              // present in the right library: a file by that name that lacks it is refused
};

struct FoundLibrary {
  void* handle = nullptr;
  std::string path;                // what was opened
  std::vector<std::string> tried;  // every place looked, with why it failed

  std::string describe(const std::string& name) const {
    if (handle != nullptr) return name + " " + path;
    std::string text = name + " not found (looked: ";
    for (size_t i = 0; i < tried.size(); ++i) text += (i ? "; " : "") + tried[i];
    return text + ")";
  }
};

namespace library_search {

inline bool is_directory(const std::string& path) {
  struct stat s{};
  return stat(path.c_str(), &s) == 0 && S_ISDIR(s.st_mode);
}

// Opens `path` (a file path, or a bare soname for the loader's own search) and checks the probe symbol.
inline bool try_open(const LibrarySpec& spec, const std::string& path, const std::string& where, FoundLibrary& out) {
  void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    out.tried.push_back(where + ": " + (why != nullptr ? why : "cannot open"));
    return false;
  }
  if (dlsym(handle, spec.probe_symbol.c_str()) == nullptr) {
    out.tried.push_back(where + ": " + path + " has no " + spec.probe_symbol);
    dlclose(handle);
    return false;
  }
  out.handle = handle;
  out.path = path;
  return true;
}

inline std::vector<std::string> glob_folders(const std::string& pattern) {
  std::vector<std::string> out;
  glob_t g{};
  if (glob(pattern.c_str(), 0, nullptr, &g) == 0) {
    for (size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  }
  globfree(&g);
  return out;
}

}  // namespace library_search

// site-packages folders where pip puts nvidia-* wheels: a virtual environment's, conda's, the user's
// and the system's (what exists of them).
inline std::vector<std::string> python_site_folders() {
  std::vector<std::string> prefixes;
  for (const char* variable : {"VIRTUAL_ENV", "CONDA_PREFIX"}) {
    if (const char* v = std::getenv(variable); v != nullptr && *v != '\0') prefixes.push_back(std::string(v) + "/lib");
  }
  if (const char* home = std::getenv("HOME"); home != nullptr) prefixes.push_back(std::string(home) + "/.local/lib");
  prefixes.insert(prefixes.end(), {"/usr/local/lib", "/usr/lib", "/opt/conda/lib"});
  std::vector<std::string> sites;
  for (const std::string& prefix : prefixes) {
    for (const char* kind : {"site-packages", "dist-packages"}) {
      for (const std::string& s : library_search::glob_folders(prefix + "/python3*/" + kind)) sites.push_back(s);
    }
  }
  return sites;
}

// The path variable (a file, or a folder of sonames), then the loader's own search (LD_LIBRARY_PATH,
// its cache, the system folders), then the pip wheels' folders under each site-packages folder.
inline FoundLibrary find_library(const LibrarySpec& spec, const std::vector<std::string>& site_folders) {
  using library_search::try_open;
  FoundLibrary out;
  const char* named = std::getenv(spec.path_variable.c_str());
  if (named == nullptr || *named == '\0') {
    out.tried.push_back(spec.path_variable + " unset");
  } else if (library_search::is_directory(named)) {
    for (const std::string& soname : spec.sonames) {
      if (try_open(spec, std::string(named) + "/" + soname, spec.path_variable + "=" + named, out)) return out;
    }
  } else if (try_open(spec, named, spec.path_variable + "=" + named, out)) {
    return out;
  }
  for (const std::string& soname : spec.sonames) {
    if (try_open(spec, soname, soname + " via LD_LIBRARY_PATH and the system", out)) return out;
  }
  int pip_folders_seen = 0;
  for (const std::string& site : site_folders) {
    for (const std::string& folder : spec.pip_folders) {
      const std::string dir = site + "/" + folder;
      if (!library_search::is_directory(dir)) continue;
      ++pip_folders_seen;
      for (const std::string& soname : spec.sonames) {
        if (try_open(spec, dir + "/" + soname, dir, out)) return out;
      }
    }
  }
  if (pip_folders_seen == 0) {
    std::string folders;
    for (const std::string& f : spec.pip_folders) folders += (folders.empty() ? "" : " or ") + f;
    out.tried.push_back("no pip " + folders + " in " + std::to_string(site_folders.size()) + " site-packages folders");
  }
  return out;
}

}  // namespace ctc4j
