//! gateway-worker as the app runs it: the real binary over stdio, against a real gateway-sim on loopback.
//! Every output line is checked to be one JSON object that parses as `gateway_proto::WorkerOutput`.

mod connect;
mod harness;
mod input;
mod session;
