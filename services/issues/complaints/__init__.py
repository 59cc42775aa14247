"""Complaints (举报投诉): the public form, the office's handling, the sealed reporter details."""
