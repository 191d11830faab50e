//! Test kit: loopback fixture HTTP server with faults on demand, temp databases.
