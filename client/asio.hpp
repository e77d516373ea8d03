#pragma once
/// \file
/// Boost.Asio for the producer. Boost 1.74's awaitable.hpp uses std::exchange without
/// including <utility>, which g++ 12 in C++20 mode rejects; include it first. (The client
/// keeps its own copy: it must not include the mock broker's headers.)

#include <utility>

#include <boost/asio.hpp>
