"""Proof rules: each turns a certificate's proof object and a model into a count of inputs proved correct."""
