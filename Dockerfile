FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md heard.example.toml ./
COPY surveys surveys
COPY bot bot
COPY admin admin
COPY locales locales
RUN pip install --no-cache-dir -e . && heard-admin translations compile
ENV HEARD_CONFIG=/config/heard.toml
VOLUME ["/app/data"]
CMD ["heard-bot"]
