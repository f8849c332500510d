"""What `labshare serve` prints first: where to sign in and what to try next."""


def print_banner(base_url: str) -> None:
    print(f"Labshare is serving on {base_url}")
    print(f"  Admin:  {base_url}/admin/")
