"""``python -m sovaudit.org``: the ``org`` command group on its own."""

from sovaudit.org.cli import org

if __name__ == "__main__":
    org(prog_name="sovaudit org")
