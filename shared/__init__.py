"""Shared kernel of the 责任督学挂牌督导 platform.

Every service imports its event envelope, event store, Kafka plumbing, projection
runner, authentication and observability from here, so that all services speak one
language on the wire and behave the same in operation.
"""
