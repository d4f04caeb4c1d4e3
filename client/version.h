/*
 * version.h -- PKVM_VERSION for the client, from meson's generated header.
 *
 * The top meson.build generates it as build-config.h (config.h before that,
 * which clashed with daemon/config.h); take whichever this tree has.
 */
#ifndef PKVM_CLIENT_VERSION_H
#define PKVM_CLIENT_VERSION_H

#if defined(__has_include)
#if __has_include("build-config.h")
#include "build-config.h"
#else
#include "config.h"
#endif
#else
#include "build-config.h"
#endif

#endif
