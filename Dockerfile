FROM python:3.11-slim
# fonts for Arabic script, Ge'ez and Cyrillic, Pango/HarfBuzz for WeasyPrint, pdftocairo for SVG/PNG flyers
RUN apt-get update && apt-get install -y --no-install-recommends \
        fonts-noto-core fonts-dejavu-core poppler-utils libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY pyproject.toml README.md heard.example.toml ./
COPY surveys surveys
COPY bot bot
COPY admin admin
COPY locales locales
RUN pip install --no-cache-dir -e . && heard-admin translations compile
ENV HEARD_CONFIG=/config/heard.toml
VOLUME ["/app/data"]
# `heard-bot webhook` listens here (HEARD_WEBHOOK_PORT); plain `heard-bot` polls and needs no port
EXPOSE 8080
CMD ["heard-bot"]
